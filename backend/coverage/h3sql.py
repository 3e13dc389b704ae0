"""H3 (v4) `latLngToCell` as set-based SQL, for the visit triggers (no h3-pg extension here).

PostgreSQL 15 on this platform has no h3 extension (checked: `apt-cache search`, the extension
directory), and the heat table must be kept current by every writer of visits (phone API, demo
loader, benchmarks), so the H3 index is computed inside the database by the insert trigger.

This module generates that SQL. It is a port of Uber H3's C implementation (Apache-2.0,
https://github.com/uber/h3, v4.5.0: faceijk.c `_vec3ToHex2d`, coordijk.h `_hex2dToCoordIJK`,
`_upAp7`/`_downAp7`, h3Index.c `_faceIjkToH3`); the constant tables below (icosahedron face
centres and axes, the face-IJK → base-cell table, the pentagon data) are H3's. Every float
operation is done in the same order as in C so that results are bit-identical; the tests compare
the SQL against the `h3` Python package on random points.

Shape of the SQL (one statement for a whole batch, no per-row function calls):
`coverage_h3_cells(lats float8[], lngs float8[], res int) RETURNS TABLE (ord bigint, h3 bigint)`
evaluates, per point, a chain of `OFFSET 0`-fenced subqueries (so that no expression is
recomputed): unit vector → nearest face (argmin of 20 squared distances) → gnomonic hex2d →
IJK → 15 digit steps (guarded by `res`) → base cell and rotations. Pentagon base cells (12 of 122,
none in China) are finished by the small plpgsql function `coverage_h3_pentagon_fix`.
`coverage_h3_parent(h3, res)` (H3's `cellToParent`, bit operations only) is hand-written in
backend/coverage/sql/coverage_h3_parent.sql.

The generated SQL lives in backend/coverage/sql/coverage_h3_cells_r7.sql and
coverage_h3_pentagon_fix.sql (`python -m backend.coverage.h3sql` rewrites their bodies); migrations
apply frozen copies and never import this module.
"""

# ruff: noqa: S608 - SQL generated from this module's constants; nothing user-supplied.
from __future__ import annotations

import math
from pathlib import Path

# --- H3 constants (constants.h) ----------------------------------------------------------------
M_PI_180 = 0.0174532925199432957692369076848861271111
M_2PI = 6.28318530717958647692528676655900576839433
EPSILON = 0.0000000000000001
M_RSIN60 = 1.1547005383792515290182975610039149112953
M_ONESEVENTH = 0.14285714285714285714285714285714285
M_AP7_ROT_RADS = 0.333473172251832115336090755351601070065900389
INV_RES0_U_GNOMONIC = 2.61803398874989588842
M_SQRT7 = 2.6457513110645905905016157536392604257102
MAX_RES = 15

# Icosahedron face centres on the unit sphere (faceijk.c faceCenterPoint).
FACE_CENTERS = (
    (0.2199307791404606, 0.6583691780274996, 0.7198475378926182),
    (-0.2139234834501421, 0.1478171829550703, 0.9656017935214205),
    (0.1092625278784797, -0.4811951572873210, 0.8697775121287253),
    (0.7428567301586791, -0.3593941678278028, 0.5648005936517033),
    (0.8112534709140969, 0.3448953237639384, 0.4721387736413930),
    (-0.1055498149613921, 0.9794457296411413, 0.1718874610009365),
    (-0.8075407579970092, 0.1533552485898818, 0.5695261994882688),
    (-0.2846148069787907, -0.8644080972654206, 0.4144792552473539),
    (0.7405621473854482, -0.6673299564565524, -0.0789837646326737),
    (0.8512303986474293, 0.4722343788582681, -0.2289137388687808),
    (-0.7405621473854481, 0.6673299564565524, 0.0789837646326737),
    (-0.8512303986474292, -0.4722343788582682, 0.2289137388687808),
    (0.1055498149613919, -0.9794457296411413, -0.1718874610009365),
    (0.8075407579970092, -0.1533552485898819, -0.5695261994882688),
    (0.2846148069787908, 0.8644080972654204, -0.4144792552473539),
    (-0.7428567301586791, 0.3593941678278027, -0.5648005936517033),
    (-0.8112534709140971, -0.3448953237639382, -0.4721387736413930),
    (-0.2199307791404607, -0.6583691780274996, -0.7198475378926182),
    (0.2139234834501420, -0.1478171829550704, -0.9656017935214205),
    (-0.1092625278784796, 0.4811951572873210, -0.8697775121287253),
)
# Azimuth (radians) from each face centre to its vertex 0 (faceAxesAzRadsCII[f][0]).
FACE_AXIS_AZ = (
    5.619958268523939882,
    5.760339081714187279,
    0.780213654393430055,
    0.430469363979999913,
    6.130269123335111400,
    2.692877706530642877,
    2.982963003477243874,
    3.532912002790141181,
    3.494305004259568154,
    3.003214169499538391,
    5.930472956509811562,
    0.138378484090254847,
    0.448714947059150361,
    0.158629650112549365,
    5.891865957979238535,
    2.711123289609793325,
    3.294508837434268316,
    3.804819692245439833,
    3.664438879055192436,
    2.361378999196363184,
)
# baseCells.c faceIjkBaseCells[face][i][j][k] = (base cell, ccw 60° rotations), flattened.
_FIJK_BASE = (
    "16,18,24,33,30,32,49,48,50,8,5,10,22,16,18,41,33,30,4,0,2,15,8,5,31,22,16,2,6,14,10,11,17,"
    "24,23,25,0,1,9,5,2,6,18,10,11,4,3,7,8,0,1,16,5,2,7,21,38,9,19,34,14,20,36,3,13,29,1,7,21,6,"
    "9,19,4,12,26,0,3,13,2,1,7,26,42,58,29,43,62,38,47,64,12,28,44,13,26,42,21,29,43,4,15,31,3,"
    "12,28,7,13,26,31,41,49,44,53,61,58,65,75,15,22,33,28,31,41,42,44,53,4,8,16,12,15,22,26,28,"
    "31,50,48,49,32,30,33,24,18,16,70,67,66,52,50,48,37,32,30,83,87,85,74,70,67,57,52,50,25,23,"
    "24,17,11,10,14,6,2,45,39,37,35,25,23,27,17,11,63,59,57,56,45,39,46,35,25,36,20,14,34,19,9,"
    "38,21,7,55,40,27,54,36,20,51,34,19,72,60,46,73,55,40,71,54,36,64,47,38,62,43,29,58,42,26,84,"
    "69,51,82,64,47,76,62,43,97,89,71,98,84,69,96,82,64,75,65,58,61,53,44,49,41,31,94,86,76,81,"
    "75,65,66,61,53,107,104,96,101,94,86,85,81,75,57,59,63,74,78,79,83,92,95,37,39,45,52,57,59,"
    "70,74,78,24,23,25,32,37,39,50,52,57,46,60,72,56,68,80,63,77,90,27,40,55,35,46,60,45,56,68,"
    "14,20,36,17,27,40,25,35,46,71,89,97,73,91,103,72,88,105,51,69,84,54,71,89,55,73,91,38,47,64,"
    "34,51,69,36,54,71,96,104,107,98,110,115,97,111,119,76,86,94,82,96,104,84,98,110,58,65,75,62,"
    "76,86,64,82,96,85,87,83,101,102,100,107,112,114,66,67,70,81,85,87,94,101,102,49,48,50,61,66,"
    "67,75,81,85,95,92,83,79,78,74,63,59,57,109,108,100,93,95,92,77,79,78,117,118,114,106,109,"
    "108,90,93,95,90,77,63,80,68,56,72,60,46,106,93,79,99,90,77,88,80,68,117,109,95,113,106,93,"
    "105,99,90,105,88,72,103,91,73,97,89,71,113,99,80,116,105,88,111,103,91,117,106,90,121,113,"
    "99,119,116,105,119,111,97,115,110,98,107,104,96,121,116,103,120,119,111,112,115,110,117,113,"
    "105,118,121,116,114,120,119,114,112,107,100,102,101,83,87,85,118,120,115,108,114,112,92,100,"
    "102,117,121,119,109,118,120,95,108,114"
)
_FIJK_ROT = (
    "0,0,0,0,0,3,1,3,3,0,5,5,0,0,0,1,0,0,0,5,5,1,0,5,1,0,0,0,0,0,0,0,3,1,3,3,0,5,5,0,0,0,1,0,0,1,"
    "5,5,1,0,5,1,0,0,0,0,0,0,0,3,1,3,3,0,5,5,0,0,0,1,0,0,2,5,5,1,0,5,1,0,0,0,0,0,0,0,3,1,3,3,0,5,"
    "5,0,0,0,1,0,0,3,5,5,1,0,5,1,0,0,0,0,0,0,0,3,1,3,3,0,5,5,0,0,0,1,0,0,4,5,5,1,0,5,1,0,0,0,0,3,"
    "0,3,3,3,3,3,0,0,3,3,0,0,3,0,3,0,3,3,3,0,0,1,3,0,0,0,3,0,3,3,3,3,3,0,0,3,3,0,0,3,0,3,0,3,3,3,"
    "0,0,3,3,0,0,0,3,0,3,3,3,3,3,0,0,3,3,0,0,3,0,3,0,3,3,3,0,0,3,3,0,0,0,3,0,3,3,3,3,3,0,0,3,3,0,"
    "0,3,0,3,0,3,3,3,0,0,3,3,0,0,0,3,0,3,3,3,3,3,0,0,3,3,0,0,3,0,3,0,3,3,3,0,0,3,3,0,0,0,3,0,3,3,"
    "3,3,3,0,3,3,0,0,0,3,0,3,0,3,3,3,0,3,3,0,0,0,0,3,0,3,3,3,3,3,0,3,3,0,0,0,3,0,3,0,3,3,3,0,3,3,"
    "0,0,0,0,3,0,3,3,3,3,3,0,3,3,0,0,0,3,0,3,0,3,3,3,0,3,3,0,0,0,0,3,0,3,3,3,3,3,0,3,3,0,0,0,3,0,"
    "3,0,3,3,3,0,3,3,0,0,0,0,3,0,3,3,3,3,3,0,3,3,0,0,0,3,0,3,0,3,3,3,0,3,3,0,0,0,0,0,0,0,3,1,3,3,"
    "0,0,5,1,0,0,1,0,0,4,5,5,1,0,0,1,1,0,0,0,0,0,0,3,1,3,3,0,0,5,1,0,0,1,0,0,3,5,5,1,0,0,1,1,0,0,"
    "0,0,0,0,3,1,3,3,0,0,5,1,0,0,1,0,0,2,5,5,1,0,0,1,1,0,0,0,0,0,0,3,1,3,3,0,0,5,1,0,0,1,0,0,1,5,"
    "5,1,0,0,1,1,0,0,0,0,0,0,3,1,3,3,0,0,5,1,0,0,1,0,0,0,5,5,1,0,0,1,1,0"
)
FIJK_BASE = tuple(int(v) for v in _FIJK_BASE.split(","))
FIJK_ROT = tuple(int(v) for v in _FIJK_ROT.split(","))
# Pentagon base cells and their two clockwise-offset faces (baseCellData).
PENTAGON_CW_OFFSET_FACES = {
    4: (-1, -1),
    14: (2, 6),
    24: (1, 5),
    38: (3, 7),
    49: (0, 9),
    58: (4, 8),
    63: (11, 15),
    72: (12, 16),
    83: (10, 19),
    97: (13, 17),
    107: (14, 18),
    117: (-1, -1),
}
# Digit rotated 60° counter-clockwise: K(1)→IK(5)→I(4)→IJ(6)→J(2)→JK(3)→K(1).
ROTATE_CCW = (0, 5, 3, 1, 6, 4, 2)
ROTATE_CW = (0, 3, 6, 2, 5, 1, 4)
K_AXES_DIGIT = 1


def _face_frames() -> list[tuple[float, ...]]:
    """North and east unit vectors of the tangent plane at each face centre
    (`_vec3TangentBasis`), computed with C's exact operation order."""
    frames = []
    for cx, cy, cz in FACE_CENTERS:
        # north = vec3LinComb(1.0, (0,0,1), -dot((0,0,1), c), c), normalised.
        dot = 0.0 * cx + 0.0 * cy + 1.0 * cz
        nx, ny, nz = 1.0 * 0.0 + -dot * cx, 1.0 * 0.0 + -dot * cy, 1.0 * 1.0 + -dot * cz
        norm = math.sqrt(nx * nx + ny * ny + nz * nz)
        s = 1.0 / norm if norm > 0.0 else 0.0
        nx, ny, nz = nx * s, ny * s, nz * s
        ex, ey, ez = ny * cz - nz * cy, nz * cx - nx * cz, nx * cy - ny * cx
        frames.append((nx, ny, nz, ex, ey, ez))
    return frames


def _arr(values, kind: str = "float8") -> str:
    items = ",".join(repr(float(v)) if kind == "float8" else str(v) for v in values)
    return "'{" + items + "}'::" + kind + "[]"


def _f(value: float) -> str:
    return f"{value!r}::float8"


def _lround(expr: str) -> str:
    """C lround (half away from zero) of a float8 expression, as int."""
    return f"(sign({expr}) * floor(abs({expr}) + 0.5))::int"


def _normalized(prefix: str, i: str, j: str, k: str) -> str:
    """Columns `{prefix}i, {prefix}j, {prefix}k`: IJK normalised (all >= 0, one zero)."""
    m = f"least({i}, {j}, {k})"
    return f"{i} - {m} AS {prefix}i, {j} - {m} AS {prefix}j, {k} - {m} AS {prefix}k"


def _digit_step(d: int, src: str, res: int) -> str:
    """One step of `_faceIjkToH3`: digit `d` from the IJK at resolution d; parent IJK to ci/cj/ck.

    Class III resolutions (odd d) use the counter-clockwise aperture-7 parent (`_upAp7`),
    Class II the clockwise one (`_upAp7r`).
    """
    i_, j_ = "(ci - ck)", "(cj - ck)"
    if d % 2 == 1:
        ui = _lround(f"((3 * {i_} - {j_}) * {_f(M_ONESEVENTH)})")
        uj = _lround(f"(({i_} + 2 * {j_}) * {_f(M_ONESEVENTH)})")
    else:
        ui = _lround(f"((2 * {i_} + {j_}) * {_f(M_ONESEVENTH)})")
        uj = _lround(f"((3 * {j_} - {i_}) * {_f(M_ONESEVENTH)})")
    raw = f"SELECT s.*, {ui} AS vi, {uj} AS vj FROM ({src}) s OFFSET 0"
    # parent (up) normalised, then its centre one resolution down (downAp7 / downAp7r).
    up = f"SELECT s.*, {_normalized('u', 'vi', 'vj', '0')} FROM ({raw}) s OFFSET 0"
    if d % 2 == 1:
        di, dj, dk = "3 * ui + uj", "3 * uj + uk", "ui + 3 * uk"
    else:
        di, dj, dk = "3 * ui + uk", "ui + 3 * uj", "uj + 3 * uk"
    centre = f"SELECT s.*, {_normalized('m', di, dj, dk)} FROM ({up}) s OFFSET 0"
    diff_cols = _normalized("x", "ci - mi", "cj - mj", "ck - mk")
    diff = f"SELECT s.*, {diff_cols} FROM ({centre}) s OFFSET 0"
    carried = "ord, face, " + "".join(f"d{n}, " for n in range(d + 1, res + 1))
    return (
        f"SELECT {carried}4 * xi + 2 * xj + xk AS d{d}, ui AS ci, uj AS cj, uk AS ck "
        f"FROM ({diff}) s OFFSET 0"
    )


def _hex2d_to_ijk_sql(src: str) -> str:
    """`_hex2dToCoordIJK`: the hex (IJK+) containing the 2-D point (vx, vy)."""
    quantise = f"SELECT s.*, abs(vx) AS a1, abs(vy) * {_f(M_RSIN60)} AS x2 FROM ({src}) s OFFSET 0"
    q2 = f"SELECT s.*, a1 + x2 / 2.0::float8 AS x1 FROM ({quantise}) s OFFSET 0"
    q3 = (
        "SELECT s.*, trunc(x1)::int AS m1, trunc(x2)::int AS m2, x1 - trunc(x1) AS r1, "
        f"x2 - trunc(x2) AS r2 FROM ({q2}) s OFFSET 0"
    )
    third = _f(1.0 / 3.0)
    two_thirds = _f(2.0 / 3.0)
    hi = (
        "CASE WHEN r1 < 0.5::float8 THEN "
        f"  CASE WHEN r1 < {third} THEN m1 "
        "   WHEN (1.0::float8 - r1) <= r2 AND r2 < (2.0::float8 * r1) THEN m1 + 1 ELSE m1 END "
        f"ELSE CASE WHEN r1 < {two_thirds} THEN "
        "     CASE WHEN (2.0::float8 * r1 - 1.0::float8) < r2 AND r2 < (1.0::float8 - r1) "
        "     THEN m1 ELSE m1 + 1 END "
        "   ELSE m1 + 1 END END"
    )
    hj = (
        "CASE WHEN r1 < 0.5::float8 THEN "
        f"  CASE WHEN r1 < {third} THEN "
        "     CASE WHEN r2 < (1.0::float8 + r1) / 2.0::float8 THEN m2 ELSE m2 + 1 END "
        "   ELSE CASE WHEN r2 < (1.0::float8 - r1) THEN m2 ELSE m2 + 1 END END "
        f"ELSE CASE WHEN r1 < {two_thirds} THEN "
        "     CASE WHEN r2 < (1.0::float8 - r1) THEN m2 ELSE m2 + 1 END "
        "   ELSE CASE WHEN r2 < (r1 / 2.0::float8) THEN m2 ELSE m2 + 1 END END END"
    )
    q4 = f"SELECT s.*, {hi} AS hi, {hj} AS hj FROM ({q3}) s OFFSET 0"
    # fold across the axes: x < 0 mirrors i about the j axis (C integer division truncates).
    fold_i = (
        "CASE WHEN vx < 0.0::float8 THEN "
        "  CASE WHEN hj % 2 = 0 THEN hi - 2 * (hi - hj / 2) "
        "  ELSE hi - (2 * (hi - (hj + 1) / 2) + 1) END "
        "ELSE hi END"
    )
    q5 = f"SELECT s.*, {fold_i} AS fi FROM ({q4}) s OFFSET 0"
    q6 = (
        "SELECT s.*, CASE WHEN vy < 0.0::float8 THEN fi - (2 * hj + 1) / 2 ELSE fi END AS gi, "
        f"CASE WHEN vy < 0.0::float8 THEN -hj ELSE hj END AS gj FROM ({q5}) s OFFSET 0"
    )
    return f"SELECT s.*, {_normalized('c', 'gi', 'gj', '0')} FROM ({q6}) s OFFSET 0"


def _to_hex2d_sql(src: str, res: int) -> str:
    """Unit vector → nearest face → gnomonic 2-D hex coordinates at `res` (`_vec3ToHex2d`)."""
    frames = _face_frames()
    dists = []
    for fx, fy, fz in FACE_CENTERS:
        dx, dy, dz = (f"({_f(fx)} - px)", f"({_f(fy)} - py)", f"({_f(fz)} - pz)")
        dists.append(f"{dx} * {dx} + {dy} * {dy} + {dz} * {dz}")
    dist_cols = ", ".join(f"{d} AS q{n}" for n, d in enumerate(dists))
    q_all = ", ".join(f"q{n}" for n in range(20))
    # C keeps the first face with the strictly smallest distance: the lowest index on ties.
    pick = " ".join(f"WHEN q{n} = qmin THEN {n}" for n in range(20))
    step1 = f"SELECT s.*, {dist_cols} FROM ({src}) s OFFSET 0"
    step2 = f"SELECT s.*, least({q_all}) AS qmin FROM ({step1}) s OFFSET 0"
    step3 = (
        f"SELECT ord, px, py, pz, CASE {pick} END AS face, qmin AS sqd FROM ({step2}) s OFFSET 0"
    )
    cx, cy, cz = (_arr(c[n] for c in FACE_CENTERS) for n in range(3))
    nx, ny, nz, ex, ey, ez = (_arr(fr[n] for fr in frames) for n in range(6))
    az0 = _arr(FACE_AXIS_AZ)
    f1 = "[face + 1]"
    step4 = (
        f"SELECT s.*, acos(1.0::float8 - sqd * 0.5::float8) AS rr, "
        f"({cx}){f1} AS cx, ({cy}){f1} AS cy, ({cz}){f1} AS cz, "
        f"({nx}){f1} AS nx, ({ny}){f1} AS ny, ({nz}){f1} AS nz, "
        f"({ex}){f1} AS ex, ({ey}){f1} AS ey, ({ez}){f1} AS ez, ({az0}){f1} AS az0 "
        f"FROM ({step3}) s OFFSET 0"
    )
    # p projected on the tangent plane at the face centre (normalised below).
    step5 = (
        "SELECT s.*, px + -(px * cx + py * cy + pz * cz) * cx AS tx, "
        "py + -(px * cx + py * cy + pz * cz) * cy AS ty, "
        "pz + -(px * cx + py * cy + pz * cz) * cz AS tz "
        f"FROM ({step4}) s OFFSET 0"
    )
    step6 = (
        "SELECT s.*, CASE WHEN sqrt(tx * tx + ty * ty + tz * tz) > 0.0::float8 "
        "THEN 1.0::float8 / sqrt(tx * tx + ty * ty + tz * tz) ELSE 0.0::float8 END AS ts "
        f"FROM ({step5}) s OFFSET 0"
    )
    step7 = (
        "SELECT s.*, atan2((tx * ts) * ex + (ty * ts) * ey + (tz * ts) * ez, "
        "(tx * ts) * nx + (ty * ts) * ny + (tz * ts) * nz) AS az "
        f"FROM ({step6}) s OFFSET 0"
    )
    two_pi = _f(M_2PI)

    def pos_angle(expr: str) -> str:
        return (
            f"(CASE WHEN {expr} < 0.0::float8 THEN {expr} + {two_pi} ELSE {expr} END"
            f" - CASE WHEN {expr} >= {two_pi} THEN {two_pi} ELSE 0.0::float8 END)"
        )

    step8 = f"SELECT s.*, {pos_angle('az0 - ' + pos_angle('az'))} AS th0 FROM ({step7}) s OFFSET 0"
    theta = pos_angle("th0 - " + _f(M_AP7_ROT_RADS)) if res % 2 == 1 else "th0"
    # r = tan(r) * INV_RES0_U_GNOMONIC, then times sqrt(7) once per resolution (as in C).
    scaled = f"tan(rr) * {_f(INV_RES0_U_GNOMONIC)}"
    for _ in range(res):
        scaled = f"({scaled}) * {_f(M_SQRT7)}"
    step9 = f"SELECT s.*, {theta} AS theta, {scaled} AS rs FROM ({step8}) s OFFSET 0"
    eps = _f(EPSILON)
    return (
        f"SELECT ord, face, CASE WHEN rr < {eps} THEN 0.0::float8 ELSE rs * cos(theta) END AS vx, "
        f"CASE WHEN rr < {eps} THEN 0.0::float8 ELSE rs * sin(theta) END AS vy "
        f"FROM ({step9}) s OFFSET 0"
    )


def cells_query_sql(res: int) -> str:
    """The body of `coverage_h3_cells_r{res}(lats, lngs)`: one row (ord, h3) per point, in
    order; h3 is NULL for a point out of range, NaN or NULL (computed as 0, 0, then dropped)."""
    valid = "(p.lat BETWEEN -90 AND 90 AND p.lng BETWEEN -180 AND 180)"
    points = (
        "SELECT p.ord, cos(q.lat * {pi}) AS cl, q.lat * {pi} AS la, q.lng * {pi} AS lo "
        "FROM unnest($1, $2) WITH ORDINALITY AS p(lat, lng, ord), "
        "LATERAL (SELECT CASE WHEN {valid} THEN p.lat ELSE 0.0 END AS lat, "
        "CASE WHEN {valid} THEN p.lng ELSE 0.0 END AS lng) q OFFSET 0"
    ).format(pi=_f(M_PI_180), valid=valid)
    vec = (
        "SELECT ord, cos(lo) * cl AS px, sin(lo) * cl AS py, sin(la) AS pz "
        f"FROM ({points}) s OFFSET 0"
    )
    ijk = _hex2d_to_ijk_sql(_to_hex2d_sql(vec, res))
    cur = f"SELECT ord, face, ci, cj, ck FROM ({ijk}) s OFFSET 0"
    for d in range(res, 0, -1):
        cur = _digit_step(d, cur, res)
    base_ix = "[face * 27 + ci * 9 + cj * 3 + ck + 1]"
    base = (
        f"SELECT s.*, ({_arr(FIJK_BASE, 'int')}){base_ix} AS base, "
        f"({_arr(FIJK_ROT, 'int')}){base_ix} AS rots FROM ({cur}) s OFFSET 0"
    )
    unused = (1 << (3 * (MAX_RES - res))) - 1  # digits below `res` are 7 (all ones)
    header = (
        f"((1::bigint << 59) | ({res}::bigint << 52) | (base::bigint << 45) | {unused}::bigint)"
    )
    digits = " | ".join(f"(d{d}::bigint << {3 * (MAX_RES - d)})" for d in range(1, res + 1))
    pentagons = _arr(sorted(PENTAGON_CW_OFFSET_FACES), "int")
    # Non-pentagons: every digit rotated ccw `rots` times.
    rot_table = []
    for rots in range(6):
        for digit in range(7):
            value = digit
            for _ in range(rots):
                value = ROTATE_CCW[value]
            rot_table.append(value)
    rot = _arr(rot_table, "int")
    rotated = " | ".join(
        f"(({rot})[rots * 7 + d{d} + 1]::bigint << {3 * (MAX_RES - d)})" for d in range(1, res + 1)
    )
    if res == 0:
        digits = rotated = "0::bigint"
    # out-of-range IJK (cannot happen for a valid point) indexes past the table: base is NULL
    ok = (
        "coalesce(($1)[ord::int] BETWEEN -90 AND 90 AND ($2)[ord::int] BETWEEN -180 AND 180 "
        "AND ci BETWEEN 0 AND 2 AND cj BETWEEN 0 AND 2 AND ck BETWEEN 0 AND 2, false)"
    )
    return (
        f"SELECT ord, CASE WHEN NOT {ok} THEN NULL WHEN base = ANY ({pentagons}) "
        f"THEN coverage_h3_pentagon_fix({header} | {digits}, face, rots) "
        f"ELSE {header} | {rotated} END AS h3 FROM ({base}) s ORDER BY ord"
    )


PENTAGON_FIX_SQL = """
CREATE OR REPLACE FUNCTION coverage_h3_pentagon_fix(h bigint, face int, rots int)
RETURNS bigint LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
-- The pentagon branch of H3's _faceIjkToH3 (rare: 12 base cells, none over China).
DECLARE
    res int := ((h >> 52) & 15)::int;
    base int := ((h >> 45) & 127)::int;
    ccw int[] := '{0,5,3,1,6,4,2,7}';
    cw int[] := '{0,3,6,2,5,1,4,7}';
    cw_faces int[] := '{__CWFACES__}';
    pents int[] := '{__PENTS__}';
    pos int;
    lead int;
    r int;
    n int;
    d int;
    first_found boolean;
BEGIN
    -- leading non-zero digit
    lead := 0;
    FOR r IN 1..res LOOP
        d := ((h >> (3 * (15 - r))) & 7)::int;
        IF d <> 0 THEN lead := d; EXIT; END IF;
    END LOOP;
    IF lead = 1 THEN
        pos := array_position(pents, base);
        IF cw_faces[2 * pos - 1] = face OR cw_faces[2 * pos] = face THEN
            FOR r IN 1..res LOOP
                d := ((h >> (3 * (15 - r))) & 7)::int;
                h := (h & ~(7::bigint << (3 * (15 - r)))) | (cw[d + 1]::bigint << (3 * (15 - r)));
            END LOOP;
        ELSE
            FOR r IN 1..res LOOP
                d := ((h >> (3 * (15 - r))) & 7)::int;
                h := (h & ~(7::bigint << (3 * (15 - r)))) | (ccw[d + 1]::bigint << (3 * (15 - r)));
            END LOOP;
        END IF;
    END IF;
    FOR n IN 1..rots LOOP
        first_found := false;
        FOR r IN 1..res LOOP
            d := ((h >> (3 * (15 - r))) & 7)::int;
            h := (h & ~(7::bigint << (3 * (15 - r)))) | (ccw[d + 1]::bigint << (3 * (15 - r)));
            IF NOT first_found AND ccw[d + 1] <> 0 THEN
                first_found := true;
                IF ccw[d + 1] = 1 THEN
                    -- adjust for the deleted k-axes sub-sequence: rotate the whole index once more
                    FOR pos IN 1..res LOOP
                        d := ((h >> (3 * (15 - pos))) & 7)::int;
                        h := (h & ~(7::bigint << (3 * (15 - pos))))
                             | (ccw[d + 1]::bigint << (3 * (15 - pos)));
                    END LOOP;
                END IF;
            END IF;
        END LOOP;
    END LOOP;
    RETURN h;
END
$fn$;
"""


SQL_DIR = Path(__file__).resolve().parent / "sql"
GENERATED = ("coverage_h3_cells_r7", "coverage_h3_pentagon_fix")


def generated_bodies(res: int = 7) -> dict[str, str]:
    """The bodies (between `$fn$`) of the generated functions, by file name."""
    pents = sorted(PENTAGON_CW_OFFSET_FACES)
    cw_faces = [f for p in pents for f in PENTAGON_CW_OFFSET_FACES[p]]
    fix = PENTAGON_FIX_SQL.replace("__CWFACES__", ",".join(map(str, cw_faces))).replace(
        "__PENTS__", ",".join(map(str, pents))
    )
    return {
        f"coverage_h3_cells_r{res}": f"\n{cells_query_sql(res)}\n",
        "coverage_h3_pentagon_fix": fix.split("$fn$")[1],
    }


def write_files() -> None:
    """Regenerate the bodies in backend/coverage/sql/ (headers kept); then add a migration
    (`manage.py sqlmigration coverage ...`)."""
    for name, body in generated_bodies().items():
        path = SQL_DIR / f"{name}.sql"
        head, _old, tail = path.read_text(encoding="utf-8").split("$fn$", 2)
        path.write_text(f"{head}$fn${body}$fn${tail}", encoding="utf-8")


if __name__ == "__main__":
    write_files()
