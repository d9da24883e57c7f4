// Assembly-wide attributes: wgsharp runs on Linux only (TUN, rtnetlink, the UAPI socket layout).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
