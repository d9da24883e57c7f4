// System.Text.Json source generation for the state files: readable (indented, enums by name).
using System.Text.Json.Serialization;

namespace WgSharp.Cli.Host;

[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QuickState))]
[JsonSerializable(typeof(List<SharedSysctlEntry>))]
[JsonSerializable(typeof(DaemonRouteRecords))]
internal sealed partial class QuickStateJsonContext : JsonSerializerContext;
