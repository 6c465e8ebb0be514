export { Tensor, type ArrayInput, type DefaultDType } from "./tensor.js";
export { type DType, type FloatDType, type TypedArrayFor, type TensorTypedArray, DTYPES, itemSize } from "./dtype.js";
export { Model, type ModelLoadOptions } from "./model.js";
export { loadNpy, loadNpySync, saveNpy, saveNpySync, readNpyInfoSync, type NpyInfo, type LoadNpyOptions } from "./formats/npy.js";
export { loadNpz, loadNpzSync, saveNpz, saveNpzSync, npzKeysSync, type LoadNpzOptions, type SaveNpzOptions } from "./formats/npz.js";
export {
  loadSafetensors,
  loadSafetensorsSync,
  saveSafetensors,
  saveSafetensorsSync,
  safetensorsInfoSync,
  type LoadSafetensorsOptions,
  type SaveSafetensorsOptions,
  type SafetensorsInfo,
} from "./formats/safetensors.js";
export { nativeMemory, resetNativePeak, type NativeMemoryStats } from "./memory.js";
export * from "./matmul.js";
export { MemorySampler, residentBytes, MEMORY_PHASES, DEFAULT_MEMORY_INTERVAL_MS, type MemoryPhase, type MemoryPeaks, type MemoryTimeline, type MemorySamplerOptions } from "./sampler.js";
