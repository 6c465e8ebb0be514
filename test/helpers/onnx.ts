/** ONNX models for tests: the example's writer, and onnxruntime session options that keep memory at one copy. */
export { writeMatMulModel, type MatMulModelOptions } from "../../examples/onnxruntime/onnx-writer.js";
export { LEAN_SESSION_OPTIONS } from "../../examples/onnxruntime/models.js";
