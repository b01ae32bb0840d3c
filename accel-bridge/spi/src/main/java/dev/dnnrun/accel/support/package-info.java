/**
 * Optional helpers for backends: what several vendors would otherwise write again. {@link Shapes} validates sizes
 * before they reach native code and holds the numpy broadcast and axis rules; {@link Window} resolves ONNX Conv and
 * pooling windows (pads, auto_pad, strides, dilations); {@link Gemm} reads a Gemm (or a 2-D MatMul) as one row-major
 * product, a transposed operand as strides over its bytes; {@link BufferPlan} shares buffers between intermediate
 * values by liveness; {@link NativeSegment} is a base for compiled segments that call native code (buffer checks,
 * locking, idempotent close). Nothing in the SPI requires them.
 */
package dev.dnnrun.accel.support;
