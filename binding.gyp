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
        "native/core/alloc.cpp",
        "native/core/bytes.cpp",
        "native/core/dtype.cpp"
      ],
      "dependencies": []
    }
  ]
}
