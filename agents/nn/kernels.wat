;; The plain-JS networks' kernels in WebAssembly (agents/nn/kernelModule.ts loads it): the matrix
;; product, a dense layer's forward pass, backward pass and forward-mode derivative, tanh, and
;; Adam's update. All arrays are float64 (θ float32) at byte offsets into the one memory, staged
;; there by the caller.
;;
;; Every kernel performs the same IEEE operations in the same order as its JavaScript twin (the
;; fallback, and what ML3_GEMM=js runs), so the two give the same bits; tests check each one.
;; - Products: each C element is one sequential sum over t of separately rounded products,
;;   started at 0; SIMD lanes run along C's columns (two adjacent j), never along t.
;; - tanh is fdlibm's (tanh and expm1, as V8's Math.tanh computes it: src/base/ieee754.cc), two
;;   lanes at a time without branches; checked against Math.tanh bit for bit over every exponent
;;   range, ±0, ±Inf and NaN.
;; Rebuild agents/nn/kernelsWasm.ts after editing: `npm run build:kernels`.
(module
  (memory (export "memory") 1)

  ;; C[m × n] = (acc ? C : 0) + P·B. B is [k × n] row-major; P's element (a, t) is at
  ;; p + a·pa + t·pt (bytes): pa = 8k, pt = 8 for a row-major P [m × k]; pa = 8, pt = 8m for
  ;; the transpose of a row-major [k × m] (Xᵀ·δ without a transposed copy).
  ;; Blocks: 4 rows × 4 columns (8 f64x2 accumulators), then 1 × 4 for the rows past the last
  ;; multiple of 4; a column pair left over takes 4 × 2 and 1 × 2 blocks ($gemmPair); an odd
  ;; last column one scalar dot product per element.
  (func $gemm (param $c i32) (param $p i32) (param $b i32) (param $m i32) (param $n i32) (param $k i32)
      (param $pa i32) (param $pt i32) (param $acc i32)
    (local $a i32) (local $j i32) (local $t i32) (local $m4 i32) (local $n4 i32) (local $n2 i32) (local $nBytes i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $bp i32) (local $cp i32)
    (local $x v128) (local $b0 v128) (local $b1 v128)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local $s f64) (local $mask v128)
    (local.set $mask (call $accMask (local.get $acc)))
    (local.set $m4 (i32.sub (local.get $m) (i32.rem_u (local.get $m) (i32.const 4))))
    (local.set $n4 (i32.sub (local.get $n) (i32.rem_u (local.get $n) (i32.const 4))))
    (local.set $n2 (i32.sub (local.get $n) (i32.rem_u (local.get $n) (i32.const 2))))
    (local.set $nBytes (i32.shl (local.get $n) (i32.const 3)))
    ;; 4 × 4 blocks
    (local.set $a (i32.const 0))
    (block $ea (loop $la
      (br_if $ea (i32.ge_u (local.get $a) (local.get $m4)))
      (local.set $j (i32.const 0))
      (block $ej (loop $lj
        (br_if $ej (i32.ge_u (local.get $j) (local.get $n4)))
        (local.set $s00 (v128.const i64x2 0 0)) (local.set $s01 (v128.const i64x2 0 0))
        (local.set $s10 (v128.const i64x2 0 0)) (local.set $s11 (v128.const i64x2 0 0))
        (local.set $s20 (v128.const i64x2 0 0)) (local.set $s21 (v128.const i64x2 0 0))
        (local.set $s30 (v128.const i64x2 0 0)) (local.set $s31 (v128.const i64x2 0 0))
        (local.set $p0 (i32.add (local.get $p) (i32.mul (local.get $a) (local.get $pa))))
        (local.set $p1 (i32.add (local.get $p0) (local.get $pa)))
        (local.set $p2 (i32.add (local.get $p1) (local.get $pa)))
        (local.set $p3 (i32.add (local.get $p2) (local.get $pa)))
        (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $t (local.get $k))
        (block $et (loop $lt
          (br_if $et (i32.eqz (local.get $t)))
          (local.set $b0 (v128.load (local.get $bp)))
          (local.set $b1 (v128.load offset=16 (local.get $bp)))
          (local.set $x (f64x2.splat (f64.load (local.get $p0))))
          (local.set $s00 (f64x2.add (local.get $s00) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $s01 (f64x2.add (local.get $s01) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (f64x2.splat (f64.load (local.get $p1))))
          (local.set $s10 (f64x2.add (local.get $s10) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $s11 (f64x2.add (local.get $s11) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (f64x2.splat (f64.load (local.get $p2))))
          (local.set $s20 (f64x2.add (local.get $s20) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $s21 (f64x2.add (local.get $s21) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (f64x2.splat (f64.load (local.get $p3))))
          (local.set $s30 (f64x2.add (local.get $s30) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $s31 (f64x2.add (local.get $s31) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $p0 (i32.add (local.get $p0) (local.get $pt)))
          (local.set $p1 (i32.add (local.get $p1) (local.get $pt)))
          (local.set $p2 (i32.add (local.get $p2) (local.get $pt)))
          (local.set $p3 (i32.add (local.get $p3) (local.get $pt)))
          (local.set $bp (i32.add (local.get $bp) (local.get $nBytes)))
          (local.set $t (i32.sub (local.get $t) (i32.const 1)))
          (br $lt)))
        (local.set $cp (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $n)) (local.get $j)) (i32.const 3))))
        (v128.store (local.get $cp) (f64x2.add (v128.and (v128.load (local.get $cp)) (local.get $mask)) (local.get $s00)))
        (v128.store offset=16 (local.get $cp) (f64x2.add (v128.and (v128.load offset=16 (local.get $cp)) (local.get $mask)) (local.get $s01)))
        (local.set $cp (i32.add (local.get $cp) (local.get $nBytes)))
        (v128.store (local.get $cp) (f64x2.add (v128.and (v128.load (local.get $cp)) (local.get $mask)) (local.get $s10)))
        (v128.store offset=16 (local.get $cp) (f64x2.add (v128.and (v128.load offset=16 (local.get $cp)) (local.get $mask)) (local.get $s11)))
        (local.set $cp (i32.add (local.get $cp) (local.get $nBytes)))
        (v128.store (local.get $cp) (f64x2.add (v128.and (v128.load (local.get $cp)) (local.get $mask)) (local.get $s20)))
        (v128.store offset=16 (local.get $cp) (f64x2.add (v128.and (v128.load offset=16 (local.get $cp)) (local.get $mask)) (local.get $s21)))
        (local.set $cp (i32.add (local.get $cp) (local.get $nBytes)))
        (v128.store (local.get $cp) (f64x2.add (v128.and (v128.load (local.get $cp)) (local.get $mask)) (local.get $s30)))
        (v128.store offset=16 (local.get $cp) (f64x2.add (v128.and (v128.load offset=16 (local.get $cp)) (local.get $mask)) (local.get $s31)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $lj)))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (br $la)))
    ;; rows [m4, m) × columns [0, n4): 1 × 4 blocks
    (local.set $a (local.get $m4))
    (block $ea1 (loop $la1
      (br_if $ea1 (i32.ge_u (local.get $a) (local.get $m)))
      (local.set $j (i32.const 0))
      (block $ej1 (loop $lj1
        (br_if $ej1 (i32.ge_u (local.get $j) (local.get $n4)))
        (local.set $s00 (v128.const i64x2 0 0)) (local.set $s01 (v128.const i64x2 0 0))
        (local.set $p0 (i32.add (local.get $p) (i32.mul (local.get $a) (local.get $pa))))
        (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $t (local.get $k))
        (block $et1 (loop $lt1
          (br_if $et1 (i32.eqz (local.get $t)))
          (local.set $x (f64x2.splat (f64.load (local.get $p0))))
          (local.set $s00 (f64x2.add (local.get $s00) (f64x2.mul (local.get $x) (v128.load (local.get $bp)))))
          (local.set $s01 (f64x2.add (local.get $s01) (f64x2.mul (local.get $x) (v128.load offset=16 (local.get $bp)))))
          (local.set $p0 (i32.add (local.get $p0) (local.get $pt)))
          (local.set $bp (i32.add (local.get $bp) (local.get $nBytes)))
          (local.set $t (i32.sub (local.get $t) (i32.const 1)))
          (br $lt1)))
        (local.set $cp (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $n)) (local.get $j)) (i32.const 3))))
        (v128.store (local.get $cp) (f64x2.add (v128.and (v128.load (local.get $cp)) (local.get $mask)) (local.get $s00)))
        (v128.store offset=16 (local.get $cp) (f64x2.add (v128.and (v128.load offset=16 (local.get $cp)) (local.get $mask)) (local.get $s01)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $lj1)))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $la1)))
    ;; a column pair at [n4, n2): 4 × 2 blocks, then 1 × 2
    (if (i32.lt_u (local.get $n4) (local.get $n2))
      (then (call $gemmPair (local.get $c) (local.get $p) (local.get $b) (local.get $m) (local.get $n) (local.get $k)
        (local.get $pa) (local.get $pt) (local.get $acc) (local.get $n4))))
    ;; the last column when n is odd: one sequential dot product per element
    (local.set $a (i32.const 0))
    (block $ea2 (loop $la2
      (br_if $ea2 (i32.ge_u (local.get $a) (local.get $m)))
      (local.set $j (local.get $n2))
      (block $ej2 (loop $lj2
        (br_if $ej2 (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $s (f64.const 0))
        (local.set $p0 (i32.add (local.get $p) (i32.mul (local.get $a) (local.get $pa))))
        (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $t (local.get $k))
        (block $et2 (loop $lt2
          (br_if $et2 (i32.eqz (local.get $t)))
          (local.set $s (f64.add (local.get $s) (f64.mul (f64.load (local.get $p0)) (f64.load (local.get $bp)))))
          (local.set $p0 (i32.add (local.get $p0) (local.get $pt)))
          (local.set $bp (i32.add (local.get $bp) (local.get $nBytes)))
          (local.set $t (i32.sub (local.get $t) (i32.const 1)))
          (br $lt2)))
        (local.set $cp (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $n)) (local.get $j)) (i32.const 3))))
        (if (local.get $acc)
          (then (f64.store (local.get $cp) (f64.add (f64.load (local.get $cp)) (local.get $s))))
          (else (f64.store (local.get $cp) (local.get $s))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $lj2)))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $la2)))
  )

  ;; Columns j, j + 1 of C (+)= P·B, all rows: 4 × 2 blocks, then 1 × 2 (one f64x2 lane pair).
  (func $gemmPair (param $c i32) (param $p i32) (param $b i32) (param $m i32) (param $n i32) (param $k i32)
      (param $pa i32) (param $pt i32) (param $acc i32) (param $j i32)
    (local $a i32) (local $t i32) (local $m4 i32) (local $nBytes i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $bp i32) (local $cp i32)
    (local $b0 v128) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $mask v128)
    (local.set $mask (call $accMask (local.get $acc)))
    (local.set $m4 (i32.sub (local.get $m) (i32.rem_u (local.get $m) (i32.const 4))))
    (local.set $nBytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $a (i32.const 0))
    (block $ea (loop $la
      (br_if $ea (i32.ge_u (local.get $a) (local.get $m)))
      (local.set $s0 (v128.const i64x2 0 0)) (local.set $s1 (v128.const i64x2 0 0))
      (local.set $s2 (v128.const i64x2 0 0)) (local.set $s3 (v128.const i64x2 0 0))
      (local.set $p0 (i32.add (local.get $p) (i32.mul (local.get $a) (local.get $pa))))
      (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $t (local.get $k))
      (if (i32.lt_u (local.get $a) (local.get $m4))
        (then
          (local.set $p1 (i32.add (local.get $p0) (local.get $pa)))
          (local.set $p2 (i32.add (local.get $p1) (local.get $pa)))
          (local.set $p3 (i32.add (local.get $p2) (local.get $pa)))
          (block $et (loop $lt
            (br_if $et (i32.eqz (local.get $t)))
            (local.set $b0 (v128.load (local.get $bp)))
            (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (f64x2.splat (f64.load (local.get $p0))) (local.get $b0))))
            (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (f64x2.splat (f64.load (local.get $p1))) (local.get $b0))))
            (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (f64x2.splat (f64.load (local.get $p2))) (local.get $b0))))
            (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (f64x2.splat (f64.load (local.get $p3))) (local.get $b0))))
            (local.set $p0 (i32.add (local.get $p0) (local.get $pt)))
            (local.set $p1 (i32.add (local.get $p1) (local.get $pt)))
            (local.set $p2 (i32.add (local.get $p2) (local.get $pt)))
            (local.set $p3 (i32.add (local.get $p3) (local.get $pt)))
            (local.set $bp (i32.add (local.get $bp) (local.get $nBytes)))
            (local.set $t (i32.sub (local.get $t) (i32.const 1)))
            (br $lt)))
          (local.set $cp (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $n)) (local.get $j)) (i32.const 3))))
          (v128.store (local.get $cp) (f64x2.add (v128.and (v128.load (local.get $cp)) (local.get $mask)) (local.get $s0)))
          (local.set $cp (i32.add (local.get $cp) (local.get $nBytes)))
          (v128.store (local.get $cp) (f64x2.add (v128.and (v128.load (local.get $cp)) (local.get $mask)) (local.get $s1)))
          (local.set $cp (i32.add (local.get $cp) (local.get $nBytes)))
          (v128.store (local.get $cp) (f64x2.add (v128.and (v128.load (local.get $cp)) (local.get $mask)) (local.get $s2)))
          (local.set $cp (i32.add (local.get $cp) (local.get $nBytes)))
          (v128.store (local.get $cp) (f64x2.add (v128.and (v128.load (local.get $cp)) (local.get $mask)) (local.get $s3)))
          (local.set $a (i32.add (local.get $a) (i32.const 4))))
        (else
          (block $et1 (loop $lt1
            (br_if $et1 (i32.eqz (local.get $t)))
            (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (f64x2.splat (f64.load (local.get $p0))) (v128.load (local.get $bp)))))
            (local.set $p0 (i32.add (local.get $p0) (local.get $pt)))
            (local.set $bp (i32.add (local.get $bp) (local.get $nBytes)))
            (local.set $t (i32.sub (local.get $t) (i32.const 1)))
            (br $lt1)))
          (local.set $cp (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $n)) (local.get $j)) (i32.const 3))))
          (v128.store (local.get $cp) (f64x2.add (v128.and (v128.load (local.get $cp)) (local.get $mask)) (local.get $s0)))
          (local.set $a (i32.add (local.get $a) (i32.const 1)))))
      (br $la)))
  )

  ;; All ones when accumulating, else zeros: a store adds (C AND mask) to the sums, which is C + s
  ;; or exactly s (a sum started at +0 is never −0, so +0 + s = s; a NaN left in C is masked out).
  (func $accMask (param $acc i32) (result v128)
    (i64x2.splat (i64.extend_i32_s (i32.sub (i32.const 0) (local.get $acc))))
  )

  ;; C (+)= P·B with P [m × k] row-major.
  (func (export "gemm") (param $c i32) (param $p i32) (param $b i32) (param $m i32) (param $n i32) (param $k i32) (param $acc i32)
    (call $gemm (local.get $c) (local.get $p) (local.get $b) (local.get $m) (local.get $n) (local.get $k)
      (i32.shl (local.get $k) (i32.const 3)) (i32.const 8) (local.get $acc))
  )

  ;; fdlibm's tanh (V8's Math.tanh) on two lanes at once, without branches: every case's
  ;; formula is computed and the lane's case selected, so the per-lane operations are fdlibm's
  ;; own. Its expm1 is inlined for the arguments tanh passes (a = 2|x| ≥ 2 when |x| ≥ 1, giving
  ;; k ≥ 3; a = −2|x| ∈ (−2, 0) otherwise, giving k ∈ {0, −1, −2, −3}), so expm1's branches for
  ;; k = 1, for a < −56·ln2, for |a| < 2⁻⁵⁴ and for overflow are never taken and are left out.
  ;; fdlibm's high-word tests become comparisons of |·| with exact constants: "hx > 0x3fd62e42"
  ;; is |a| ≥ 0x1.62e43p-2, "hx < 0x3ff0a2b2" is |a| < 0x1.0a2b2p0.
  (func $tanh2 (param $x v128) (result v128)
    (local $ax v128) (local $big v128) (local $a v128) (local $neg v128) (local $ha v128)
    (local $kf v128) (local $ki v128) (local $hi v128) (local $lo v128) (local $r v128) (local $c v128)
    (local $hfx v128) (local $hxs v128) (local $r1 v128) (local $t v128) (local $e v128)
    (local $twopk v128) (local $pk v128) (local $res v128) (local $q v128) (local $z v128)
    (local.set $ax (f64x2.abs (local.get $x)))
    (local.set $big (f64x2.ge (local.get $ax) (f64x2.splat (f64.const 1))))
    ;; a = 2|x| or −2|x|
    (local.set $a (f64x2.mul (v128.bitselect (f64x2.splat (f64.const 2)) (f64x2.splat (f64.const -2)) (local.get $big))
      (local.get $ax)))
    (local.set $neg (f64x2.lt (local.get $a) (f64x2.splat (f64.const 0))))
    (local.set $ha (f64x2.abs (local.get $a)))
    ;; k: 0 unless |a| > ½ln2; ±1 below 1.5·ln2; else trunc(a/ln2 ± ½)
    (local.set $kf (f64x2.trunc (f64x2.add (f64x2.mul (f64x2.splat (f64.const 0x1.71547652b82fep+0)) (local.get $a))
      (v128.bitselect (f64x2.splat (f64.const -0.5)) (f64x2.splat (f64.const 0.5)) (local.get $neg)))))
    (local.set $kf (v128.bitselect
      (v128.bitselect (f64x2.splat (f64.const -1)) (f64x2.splat (f64.const 1)) (local.get $neg))
      (local.get $kf)
      (f64x2.lt (local.get $ha) (f64x2.splat (f64.const 0x1.0a2b2p0)))))
    (local.set $kf (v128.bitselect (local.get $kf) (f64x2.splat (f64.const 0))
      (f64x2.ge (local.get $ha) (f64x2.splat (f64.const 0x1.62e43p-2)))))
    ;; r = hi − lo = a − k·ln2 with correction c (k = 0: r = a exactly, c = 0)
    (local.set $hi (f64x2.sub (local.get $a) (f64x2.mul (local.get $kf) (f64x2.splat (f64.const 0x1.62e42feep-1)))))
    (local.set $lo (f64x2.mul (local.get $kf) (f64x2.splat (f64.const 0x1.a39ef35793c76p-33))))
    (local.set $r (f64x2.sub (local.get $hi) (local.get $lo)))
    (local.set $c (f64x2.sub (f64x2.sub (local.get $hi) (local.get $r)) (local.get $lo)))
    (local.set $hfx (f64x2.mul (f64x2.splat (f64.const 0.5)) (local.get $r)))
    (local.set $hxs (f64x2.mul (local.get $r) (local.get $hfx)))
    (local.set $r1 (f64x2.add (f64x2.splat (f64.const 1)) (f64x2.mul (local.get $hxs)
      (f64x2.add (f64x2.splat (f64.const -0x1.11111111110f4p-5)) (f64x2.mul (local.get $hxs)
        (f64x2.add (f64x2.splat (f64.const 0x1.a01a019fe5585p-10)) (f64x2.mul (local.get $hxs)
          (f64x2.add (f64x2.splat (f64.const -0x1.4ce199eaadbb7p-14)) (f64x2.mul (local.get $hxs)
            (f64x2.add (f64x2.splat (f64.const 0x1.0cfca86e65239p-18))
              (f64x2.mul (local.get $hxs) (f64x2.splat (f64.const -0x1.afdb76e09c32dp-23)))))))))))))
    (local.set $t (f64x2.sub (f64x2.splat (f64.const 3)) (f64x2.mul (local.get $r1) (local.get $hfx))))
    (local.set $e (f64x2.mul (local.get $hxs) (f64x2.div (f64x2.sub (local.get $r1) (local.get $t))
      (f64x2.sub (f64x2.splat (f64.const 6)) (f64x2.mul (local.get $r) (local.get $t))))))
    ;; 2ᵏ and 2⁻ᵏ from k's bits
    (local.set $ki (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $kf))))
    (local.set $twopk (i64x2.shl (i64x2.add (local.get $ki) (i64x2.splat (i64.const 1023))) (i32.const 52)))
    (local.set $pk (i64x2.shl (i64x2.sub (i64x2.splat (i64.const 1023)) (local.get $ki)) (i32.const 52)))
    ;; 20 ≤ k ≤ 56: ((r − (e′ + 2⁻ᵏ)) + 1)·2ᵏ, with e′ = (r·(e − c) − c) − hxs
    (local.set $q (f64x2.sub (f64x2.sub (f64x2.mul (local.get $r) (f64x2.sub (local.get $e) (local.get $c))) (local.get $c))
      (local.get $hxs)))
    (local.set $res (f64x2.mul (f64x2.add (f64x2.sub (local.get $r) (f64x2.add (local.get $q) (local.get $pk)))
      (f64x2.splat (f64.const 1))) (local.get $twopk)))
    ;; 2 ≤ k < 20: ((1 − 2⁻ᵏ) − (e′ − r))·2ᵏ
    (local.set $res (v128.bitselect
      (f64x2.mul (f64x2.sub (f64x2.sub (f64x2.splat (f64.const 1)) (local.get $pk)) (f64x2.sub (local.get $q) (local.get $r)))
        (local.get $twopk))
      (local.get $res)
      (f64x2.lt (local.get $kf) (f64x2.splat (f64.const 20)))))
    ;; k ≤ −2 or k > 56: (1 − (e′ − r))·2ᵏ − 1
    (local.set $res (v128.bitselect
      (f64x2.sub (f64x2.mul (f64x2.sub (f64x2.splat (f64.const 1)) (f64x2.sub (local.get $q) (local.get $r)))
        (local.get $twopk)) (f64x2.splat (f64.const 1)))
      (local.get $res)
      (v128.or (f64x2.le (local.get $kf) (f64x2.splat (f64.const -2)))
        (f64x2.gt (local.get $kf) (f64x2.splat (f64.const 56))))))
    ;; k = −1: ½(r − e′) − ½
    (local.set $res (v128.bitselect
      (f64x2.sub (f64x2.mul (f64x2.splat (f64.const 0.5)) (f64x2.sub (local.get $r) (local.get $q)))
        (f64x2.splat (f64.const 0.5)))
      (local.get $res)
      (f64x2.eq (local.get $kf) (f64x2.splat (f64.const -1)))))
    ;; k = 0: r − (r·e − hxs)
    (local.set $res (v128.bitselect
      (f64x2.sub (local.get $r) (f64x2.sub (f64x2.mul (local.get $r) (local.get $e)) (local.get $hxs)))
      (local.get $res)
      (f64x2.eq (local.get $kf) (f64x2.splat (f64.const 0)))))
    ;; tanh from t = expm1(a): |x| ≥ 1: 1 − 2/(t + 2); |x| < 1: −t/(t + 2)
    (local.set $q (f64x2.div (v128.bitselect (f64x2.splat (f64.const 2)) (f64x2.neg (local.get $res)) (local.get $big))
      (f64x2.add (local.get $res) (f64x2.splat (f64.const 2)))))
    (local.set $z (v128.bitselect (f64x2.sub (f64x2.splat (f64.const 1)) (local.get $q)) (local.get $q) (local.get $big)))
    ;; |x| ≥ 22 (and ±Inf): 1
    (local.set $z (v128.bitselect (f64x2.splat (f64.const 1)) (local.get $z)
      (f64x2.ge (local.get $ax) (f64x2.splat (f64.const 22)))))
    ;; z ≥ 0 here: give it x's sign
    (local.set $z (v128.or (local.get $z) (v128.and (local.get $x) (v128.const i64x2 0x8000000000000000 0x8000000000000000))))
    ;; |x| < 2⁻²⁸, and NaN (fdlibm's 1/x − 1 returns x's NaN): x itself
    (v128.bitselect (local.get $z) (local.get $x)
      (f64x2.ge (local.get $ax) (f64x2.splat (f64.const 0x1p-28))))
  )

  ;; n doubles at p through tanh, in place, two at a time (exported for the tests against Math.tanh).
  (func $tanhInPlace (export "tanhInPlace") (param $p i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $e (loop $l
      (br_if $e (i32.ge_u (local.get $p) (local.get $end)))
      (v128.store (local.get $p) (call $tanh2 (v128.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $l)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (local.get $p) (f64x2.extract_lane 0 (call $tanh2 (f64x2.splat (f64.load (local.get $p))))))))
  )

  ;; C[r, j] += bias[j] for the m rows of C [m × n].
  (func $addBiasRows (param $c i32) (param $bias i32) (param $m i32) (param $n i32)
    (local $j i32) (local $end i32)
    (local.set $end (i32.add (local.get $c) (i32.shl (i32.mul (local.get $m) (local.get $n)) (i32.const 3))))
    (block $er (loop $lr
      (br_if $er (i32.ge_u (local.get $c) (local.get $end)))
      (local.set $j (i32.const 0))
      (block $ej (loop $lj
        (br_if $ej (i32.ge_u (local.get $j) (local.get $n)))
        (f64.store (local.get $c) (f64.add (f64.load (local.get $c))
          (f64.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 3))))))
        (local.set $c (i32.add (local.get $c) (i32.const 8)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $lj)))
      (br $lr)))
  )

  ;; δ ← δ · act′ over `count` values, the slope from the activation's output y: tanh 1 − y²,
  ;; relu (y > 0 ? 1 : 0); identity leaves δ.
  (func $scaleBySlope (param $delta i32) (param $y i32) (param $count i32) (param $act i32)
    (local $end i32) (local $v f64)
    (if (i32.eqz (local.get $act)) (then (return)))
    (local.set $end (i32.add (local.get $delta) (i32.shl (local.get $count) (i32.const 3))))
    (block $e (loop $l
      (br_if $e (i32.ge_u (local.get $delta) (local.get $end)))
      (local.set $v (f64.load (local.get $y)))
      (f64.store (local.get $delta) (f64.mul (f64.load (local.get $delta))
        (if (result f64) (i32.eq (local.get $act) (i32.const 1))
          (then (f64.sub (f64.const 1) (f64.mul (local.get $v) (local.get $v))))
          (else (select (f64.const 1) (f64.const 0) (f64.gt (local.get $v) (f64.const 0)))))))
      (local.set $delta (i32.add (local.get $delta) (i32.const 8)))
      (local.set $y (i32.add (local.get $y) (i32.const 8)))
      (br $l)))
  )

  ;; A dense layer's forward-mode derivative along its parameters (and its input's tangent):
  ;;   dOut [rows × fanOut] = (X·dW + (when hasDIn) dX·W + (when hasBias) db) ⊙ act′(y)
  ;; with X [rows × fanIn] the layer's input, W its weights and y its output.
  (func (export "denseJvp") (param $dOut i32) (param $x i32) (param $dw i32) (param $dx i32) (param $w i32)
      (param $db i32) (param $y i32) (param $rows i32) (param $fanOut i32) (param $fanIn i32)
      (param $act i32) (param $hasDIn i32) (param $hasBias i32)
    (call $gemm (local.get $dOut) (local.get $x) (local.get $dw) (local.get $rows) (local.get $fanOut) (local.get $fanIn)
      (i32.shl (local.get $fanIn) (i32.const 3)) (i32.const 8) (i32.const 0))
    (if (local.get $hasDIn)
      (then (call $gemm (local.get $dOut) (local.get $dx) (local.get $w) (local.get $rows) (local.get $fanOut) (local.get $fanIn)
        (i32.shl (local.get $fanIn) (i32.const 3)) (i32.const 8) (i32.const 1))))
    (if (local.get $hasBias) (then (call $addBiasRows (local.get $dOut) (local.get $db) (local.get $rows) (local.get $fanOut))))
    (call $scaleBySlope (local.get $dOut) (local.get $y) (i32.mul (local.get $rows) (local.get $fanOut)) (local.get $act))
  )

  ;; Activation codes of the dense kernels: 0 identity, 1 tanh, 2 relu.
  ;; A dense layer's forward pass: C[m × n] = act(P·W + bias), P [m × k], W [k × n], bias [n]
  ;; (none when hasBias is 0). The bias is added to each finished sum, then the activation.
  (func (export "denseForward") (param $c i32) (param $p i32) (param $w i32) (param $bias i32)
      (param $m i32) (param $n i32) (param $k i32) (param $hasBias i32) (param $act i32)
    (local $cp i32) (local $end i32) (local $v f64)
    (call $gemm (local.get $c) (local.get $p) (local.get $w) (local.get $m) (local.get $n) (local.get $k)
      (i32.shl (local.get $k) (i32.const 3)) (i32.const 8) (i32.const 0))
    (local.set $end (i32.add (local.get $c) (i32.shl (i32.mul (local.get $m) (local.get $n)) (i32.const 3))))
    (if (local.get $hasBias) (then (call $addBiasRows (local.get $c) (local.get $bias) (local.get $m) (local.get $n))))
    (if (i32.eq (local.get $act) (i32.const 1))
      (then (call $tanhInPlace (local.get $c) (i32.mul (local.get $m) (local.get $n)))))
    (if (i32.eq (local.get $act) (i32.const 2))
      (then
        (local.set $cp (local.get $c))
        (block $e2 (loop $l2
          (br_if $e2 (i32.ge_u (local.get $cp) (local.get $end)))
          (local.set $v (f64.load (local.get $cp)))
          (f64.store (local.get $cp) (select (f64.const 0) (local.get $v) (f64.lt (local.get $v) (f64.const 0))))
          (local.set $cp (i32.add (local.get $cp) (i32.const 8)))
          (br $l2)))))
  )

  ;; A dense layer's backward pass, from δ = dL/d(output) [rows × fanOut] and the forward pass's
  ;; output y, input X [rows × fanIn] and W [fanIn × fanOut]:
  ;;   δ ← δ ⊙ act′ (from y; δ is overwritten), gb += Σ_rows δ (when hasBias), gW += Xᵀ·δ,
  ;;   and when wantDIn, dIn = δ·Wᵀ [rows × fanIn] (Wᵀ written to wT first).
  (func (export "denseBackward") (param $delta i32) (param $y i32) (param $x i32) (param $w i32)
      (param $wT i32) (param $gw i32) (param $gb i32) (param $dIn i32)
      (param $rows i32) (param $fanIn i32) (param $fanOut i32) (param $act i32) (param $hasBias i32) (param $wantDIn i32)
    (local $i i32) (local $j i32) (local $dp i32) (local $end i32)
    (local.set $end (i32.add (local.get $delta) (i32.shl (i32.mul (local.get $rows) (local.get $fanOut)) (i32.const 3))))
    (call $scaleBySlope (local.get $delta) (local.get $y) (i32.mul (local.get $rows) (local.get $fanOut)) (local.get $act))
    (if (local.get $hasBias)
      (then
        (local.set $dp (local.get $delta))
        (block $er (loop $lr
          (br_if $er (i32.ge_u (local.get $dp) (local.get $end)))
          (local.set $j (i32.const 0))
          (block $ej (loop $lj
            (br_if $ej (i32.ge_u (local.get $j) (local.get $fanOut)))
            (local.set $i (i32.add (local.get $gb) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $i) (f64.add (f64.load (local.get $i)) (f64.load (local.get $dp))))
            (local.set $dp (i32.add (local.get $dp) (i32.const 8)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $lj)))
          (br $lr)))))
    ;; gW [fanIn × fanOut] += Xᵀ·δ: P = Xᵀ, element (i, r) at x + 8i + 8·fanIn·r
    (call $gemm (local.get $gw) (local.get $x) (local.get $delta) (local.get $fanIn) (local.get $fanOut) (local.get $rows)
      (i32.const 8) (i32.shl (local.get $fanIn) (i32.const 3)) (i32.const 1))
    (if (local.get $wantDIn)
      (then
        ;; wT[j, i] = W[i, j]
        (local.set $i (i32.const 0))
        (block $ei (loop $li
          (br_if $ei (i32.ge_u (local.get $i) (local.get $fanIn)))
          (local.set $j (i32.const 0))
          (block $ej2 (loop $lj2
            (br_if $ej2 (i32.ge_u (local.get $j) (local.get $fanOut)))
            (f64.store
              (i32.add (local.get $wT) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $fanIn)) (local.get $i)) (i32.const 3)))
              (f64.load (i32.add (local.get $w) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $fanOut)) (local.get $j)) (i32.const 3)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $lj2)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $li)))
        (call $gemm (local.get $dIn) (local.get $delta) (local.get $wT) (local.get $rows) (local.get $fanIn) (local.get $fanOut)
          (i32.shl (local.get $fanOut) (i32.const 3)) (i32.const 8) (i32.const 0))))
  )

  ;; Σ g² over n doubles, summed in order.
  (func (export "sumSquares") (param $g i32) (param $n i32) (result f64)
    (local $s f64) (local $end i32) (local $v f64)
    (local.set $end (i32.add (local.get $g) (i32.shl (local.get $n) (i32.const 3))))
    (block $e (loop $l
      (br_if $e (i32.ge_u (local.get $g) (local.get $end)))
      (local.set $v (f64.load (local.get $g)))
      (local.set $s (f64.add (local.get $s) (f64.mul (local.get $v) (local.get $v))))
      (local.set $g (i32.add (local.get $g) (i32.const 8)))
      (br $l)))
    (local.get $s)
  )

  ;; Adam on n float32 parameters θ from float64 gradients g (scaled by `scale`) and moments m, v:
  ;;   g ← g·scale; m ← β₁m + k₁g; v ← β₂v + (k₂g)g; θ ← θ − (lr·(m/c₁)) / (√(v/c₂) + ε).
  (func (export "adam") (param $theta i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
      (param $scale f64) (param $beta1 f64) (param $beta2 f64) (param $k1 f64) (param $k2 f64)
      (param $c1 f64) (param $c2 f64) (param $lr f64) (param $eps f64)
    (local $end i32) (local $gi f64) (local $mi f64) (local $vi f64)
    (local.set $end (i32.add (local.get $theta) (i32.shl (local.get $n) (i32.const 2))))
    (block $e (loop $l
      (br_if $e (i32.ge_u (local.get $theta) (local.get $end)))
      (local.set $gi (f64.mul (f64.load (local.get $g)) (local.get $scale)))
      (local.set $mi (f64.add (f64.mul (local.get $beta1) (f64.load (local.get $m))) (f64.mul (local.get $k1) (local.get $gi))))
      (local.set $vi (f64.add (f64.mul (local.get $beta2) (f64.load (local.get $v)))
        (f64.mul (f64.mul (local.get $k2) (local.get $gi)) (local.get $gi))))
      (f64.store (local.get $m) (local.get $mi))
      (f64.store (local.get $v) (local.get $vi))
      (f32.store (local.get $theta) (f32.demote_f64 (f64.sub (f64.promote_f32 (f32.load (local.get $theta)))
        (f64.div (f64.mul (local.get $lr) (f64.div (local.get $mi) (local.get $c1)))
          (f64.add (f64.sqrt (f64.div (local.get $vi) (local.get $c2))) (local.get $eps))))))
      (local.set $theta (i32.add (local.get $theta) (i32.const 4)))
      (local.set $g (i32.add (local.get $g) (i32.const 8)))
      (local.set $m (i32.add (local.get $m) (i32.const 8)))
      (local.set $v (i32.add (local.get $v) (i32.const 8)))
      (br $l)))
  )
)
