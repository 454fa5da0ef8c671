# Figures of finished ion-beam runs (docs/validation/ion_beam_si.md sections 5 and 9) from their checkpoints:
# yield over all impacts and after the first 50 (mean ± standard error), blocks of 50 impacts, the tolerance
# verdict, and the final state: Si density 1.2-4.8 nm above the bottom, highest bonded Si (≥ 2 Si within
# 3 Å) above the original surface, Ar retained. Assumes the section-5 cell (6 × 6 × 10 Si(001) unit cells).
# Usage: python3 ion_beam_si_figures.py NAME=OUT/checkpoint.bin=REFERENCE_YIELD ...   (needs numpy)
import os, statistics as st, sys
import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '../../crates/atomfab-process/tests/fixtures/ion_cascade'))
from decode_checkpoint import decode

A = 5.431
LX = LY = 6 * A
for arg in sys.argv[1:]:
    name, path, ref = arg.split('=')
    ref = float(ref)
    c = decode(path)
    ys = [m['sputtered'] for m in c['impacts']]
    ms = lambda v: (sum(v) / len(v), st.stdev(v) / len(v) ** 0.5)
    n = len(ys)
    tol = lambda se: 2 * (se ** 2 + (0.2 * ref) ** 2) ** 0.5
    verdict = lambda y, se: ('yes' if abs(y - ref) <= tol(se) else 'no') + f" (|Δ| = {abs(y - ref):.2f} vs {tol(se):.2f})"
    (ya, sa), (yp, sp_) = ms(ys), ms(ys[50:])
    blocks = ', '.join('%.2f ± %.2f' % ms(ys[k:k + 50]) for k in range(0, n, 50))
    pos, sp = np.array(c['pos']), np.array(c['sp'])
    si, ar = pos[sp == 0], pos[sp == 1]
    bottom = si[:, 2].min()
    orig_top = bottom + 10 * A - A / 4
    dens = ((si[:, 2] > bottom + 12) & (si[:, 2] < bottom + 48)).sum() / (LX * LY * 36.0)
    top = si[si[:, 2] > orig_top - 10]
    d = top[:, None, :] - top[None, :, :]
    d[..., 0] -= LX * np.round(d[..., 0] / LX)
    d[..., 1] -= LY * np.round(d[..., 1] / LY)
    bonded = ((d ** 2).sum(-1) < 9.0).sum(1) - 1 >= 2
    high = (top[bonded][:, 2].max() - orig_top) / 10
    imp = c['impacts']
    print(f"{name}: {n} impacts ({n / (LX * LY / 100):.1f} ions/nm²); yield {ya:.2f} ± {sa:.2f} [{verdict(ya, sa)}], "
          f"after 50: {yp:.2f} ± {sp_:.2f} [{verdict(yp, sp_)}]; blocks of 50: {blocks}")
    print(f"  Si density 1.2-4.8 nm above the bottom {dens:.4f} /Å³ (crystal 0.0499), highest bonded Si {high:.2f} nm above "
          f"the original surface, Ar retained {len(ar)}, reflected {sum(m['reflected'] for m in imp)}, "
          f"transmitted {sum(m['transmitted'] for m in imp)}")
