{
  "variables": {
    "linux_aio_sanitize%": 0
  },
  "targets": [
    {
      "target_name": "linux_aio",
      "sources": [
        "src-native/addon.cc",
        "src-native/errors.cc",
        "src-native/fadvise.cc",
        "src-native/faults.cc",
        "src-native/helper_jobs.cc",
        "src-native/helper_pool.cc",
        "src-native/memory.cc",
        "src-native/native_queue.cc",
        "src-native/nowait_cache.cc",
        "src-native/owned_memory.cc",
        "src-native/protocol.cc",
        "src-native/queue_reap.cc",
        "src-native/queue_setup.cc",
        "src-native/queue_submit.cc",
        "src-native/read_heat.cc",
        "src-native/ring.cc",
        "src-native/signals.cc",
        "src-native/slot_memory.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED",
                  "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-missing-field-initializers", "-Wno-unused-parameter"],
      # Never unloaded: Node dlcloses an addon when the last worker thread that
      # loaded it exits, while the addon's own threads (helpers, a context's
      # background io_destroy) still run its code.
      "ldflags": ["-Wl,-z,nodelete"],
      "conditions": [
        ["linux_aio_sanitize==1", {
          "cflags_cc": ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined", "-O1", "-g"],
          "ldflags": ["-fsanitize=address,undefined"]
        }]
      ]
    }
  ]
}
