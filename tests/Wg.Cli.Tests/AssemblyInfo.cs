// Assembly-wide attributes: the code under test (and the `wg` tool it is checked against) is Linux-only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
