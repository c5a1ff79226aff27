/**
 * Window arithmetic along one axis, shared by the convolution and pooling kernels: output index
 * o's window starts at input index o*stride - pad, and tap k of it reads o*stride - pad + k.
 */

/** Along one axis, the first output index o with o*stride - pad + k >= 0 (clipped to [0, out]). */
export const firstInside = `
  (func $firstInside (param $k i32) (param $pad i32) (param $stride i32) (param $out i32) (result i32)
    (local $t i32)
    local.get $pad local.get $k i32.sub local.tee $t i32.const 0 i32.le_s
    if i32.const 0 return end
    ;; ceil(t / stride), at most out.
    local.get $t local.get $stride i32.add i32.const 1 i32.sub local.get $stride i32.div_u local.tee $t
    local.get $out local.get $t local.get $out i32.lt_u select
  )`;

/** Along one axis, one past the last output index o with o*stride - pad + k < in (clipped to [0, out]). */
export const endInside = `
  (func $endInside (param $k i32) (param $pad i32) (param $stride i32) (param $in i32) (param $out i32) (result i32)
    (local $u i32)
    local.get $in i32.const 1 i32.sub local.get $pad i32.add local.get $k i32.sub local.tee $u i32.const 0 i32.lt_s
    if i32.const 0 return end
    ;; floor(u / stride) + 1, at most out.
    local.get $u local.get $stride i32.div_u i32.const 1 i32.add local.tee $u
    local.get $out local.get $u local.get $out i32.lt_u select
  )`;
