{
  # Builds cxp_dds.node against Eclipse Cyclone DDS (libddsc). Where Cyclone is found, in order:
  # CYCLONEDDS_HOME (include/ and lib/ under it), pkg-config (CycloneDDS.pc, Debian's
  # cyclonedds-dev), then a sourced ROS 2 install (AMENT_PREFIX_PATH entries with include/dds/dds.h).
  # The flags pkg-config gives (notably -DDDS_NDEBUG) must match the library: they change the layout
  # of structures this addon touches.
  "targets": [
    {
      "target_name": "cxp_dds",
      "sources": ["cxp_dds.c", "readers.c", "napi_util.c", "rawtype.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "cflags_c": ["-std=gnu11"],
      "include_dirs": ["<!@(node find-cyclone.cjs include)"],
      "defines": ["<!@(node find-cyclone.cjs defines)"],
      "libraries": ["<!@(node find-cyclone.cjs libs)"],
      "ldflags": ["<!@(node find-cyclone.cjs rpath)"]
    }
  ]
}
