{
  "targets": [
    {
      "target_name": "squid_scan",
      "sources": ["src/squid_scan.c", "src/pseudonym.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags!": ["-O2"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=c11"] }
    }
  ]
}
