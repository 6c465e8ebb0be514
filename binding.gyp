{
  "target_defaults": {
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter"],
    "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "configurations": {
      "Release": {"cflags_cc": ["-O3"], "defines": ["NDEBUG"]},
      "Debug": {"cflags_cc": ["-O0", "-g"]}
    },
    "xcode_settings": {
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
      "MACOSX_DEPLOYMENT_TARGET": "11.0",
      "OTHER_CPLUSPLUSFLAGS": ["-O3", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  },
  "targets": [
    {
      "target_name": "nnbench",
      "sources": [
        "native/binding/addon.cpp",
        "native/binding/storage.cpp",
        "native/binding/io.cpp",
        "native/binding/matmul.cpp",
        "native/binding/sampler.cpp",
        "native/binding/fault.cpp",
        "native/binding/checksum.cpp",
        "native/core/alloc.cpp",
        "native/core/bytes.cpp",
        "native/core/crc32.cpp",
        "native/core/crc32_clmul.cpp",
        "native/core/dtype.cpp",
        "native/core/sampler.cpp"
      ],
      "dependencies": ["nnbench_kernel", "nnbench_kernel_avx2", "nnbench_kernel_avx512", "nnbench_kernel_avx512bf16"]
    },
    {
      "target_name": "nnbench_kernel",
      "type": "static_library",
      "cflags": ["-fPIC"],
      "sources": [
        "native/kernel/gemm.cpp",
        "native/kernel/dispatch.cpp",
        "native/kernel/thread_pool.cpp",
        "native/kernel/cpu_features.cpp",
        "native/kernel/gemm_4xn_portable.cpp",
        "native/kernel/convert.cpp",
        "native/kernel/gemm_half.cpp"
      ]
    },
    {
      "target_name": "nnbench_kernel_avx2",
      "type": "static_library",
      "cflags": ["-fPIC"],
      "sources": ["native/kernel/sgemm_6x16_avx2.cpp", "native/kernel/dgemm_6x8_avx2.cpp", "native/kernel/convert_avx2.cpp"],
      "conditions": [["target_arch=='x64' or target_arch=='ia32'", {"cflags": ["-mavx2", "-mfma", "-mf16c"], "xcode_settings": {"OTHER_CFLAGS": ["-mavx2", "-mfma", "-mf16c"]}}]]
    },
    # -Wno-maybe-uninitialized: GCC 12's AVX-512 headers pass an "undefined" vector as an unused
    # merge source to many intrinsics, then warn about it at every use.
    {
      "target_name": "nnbench_kernel_avx512",
      "type": "static_library",
      "cflags": ["-fPIC"],
      "sources": ["native/kernel/sgemm_14x32_avx512.cpp", "native/kernel/dgemm_14x16_avx512.cpp", "native/kernel/convert_avx512.cpp", "native/kernel/hgemm_avx512.cpp"],
      "conditions": [["target_arch=='x64'", {"cflags": ["-Wno-maybe-uninitialized", "-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mfma"], "xcode_settings": {"OTHER_CFLAGS": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mfma"]}}]]
    },
    {
      "target_name": "nnbench_kernel_avx512bf16",
      "type": "static_library",
      "cflags": ["-fPIC"],
      "sources": ["native/kernel/hgemm_avx512bf16.cpp"],
      "conditions": [["target_arch=='x64'", {"cflags": ["-Wno-maybe-uninitialized", "-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mfma", "-mavx512bf16"], "xcode_settings": {"OTHER_CFLAGS": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mfma", "-mavx512bf16"]}}]]
    }
  ]
}
