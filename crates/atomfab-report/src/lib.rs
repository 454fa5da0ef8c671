//! atomfab-report: one self-contained HTML file per run (opens offline: plots are inline SVG, pictures are
//! PNG data URIs, no scripts or external resources).
//!
//! A report is data (`Report` → sections → blocks); `render_html` turns it into a page. Units are part of
//! the labels the caller gives.

pub mod compare;
pub mod html;
pub mod plot;
pub mod raster;

pub use compare::{comparison_report, Comparison, Figure, FigureValue, Variant};
pub use html::{render_html, write_html};
pub use plot::{Band, Plot, Series};
pub use raster::{atoms_png, height_map_png, AtomView};

/// A pass/fail check of one quantity against a specification.
#[derive(Debug, Clone, PartialEq)]
pub struct Grade {
    /// What was checked, e.g. "Sq ≤ 0.5 nm".
    pub criterion: String,
    /// The measured value as shown, with unit.
    pub measured: String,
    pub pass: bool,
}

/// One piece of report content.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Text(String),
    /// Name/value rows (values already formatted with units).
    KeyValues(Vec<(String, String)>),
    Table { header: Vec<String>, rows: Vec<Vec<String>> },
    Grades(Vec<Grade>),
    Plot(Plot),
    /// A PNG picture with a caption.
    Png { caption: String, data: Vec<u8> },
    /// Preformatted text (a recipe echo, a log excerpt).
    Code(String),
    /// A table whose cells may be links or grades (e.g. a sweep comparison).
    RichTable { header: Vec<String>, rows: Vec<Vec<Cell>> },
    /// Several small plots side by side.
    PlotGrid(Vec<Plot>),
}

/// A cell of a `Block::RichTable`.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A relative link (another file of the same run folder).
    Link { text: String, href: String },
    Grade(bool),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    pub title: String,
    pub subtitle: String,
    pub sections: Vec<Section>,
}

impl Report {
    pub fn new(title: &str, subtitle: &str) -> Report {
        Report { title: title.to_string(), subtitle: subtitle.to_string(), sections: Vec::new() }
    }

    pub fn section(&mut self, heading: &str, blocks: Vec<Block>) -> &mut Report {
        self.sections.push(Section { heading: heading.to_string(), blocks });
        self
    }
}
