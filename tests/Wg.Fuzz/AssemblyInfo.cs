// The fuzz targets drive Linux-only code (config, UAPI, TUN offloads, rtnetlink).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
