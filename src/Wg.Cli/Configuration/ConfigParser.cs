// Parses a wg-quick configuration file with WgSharp's extensions into an InterfaceConfig, collecting
// every error with its line. Lines are read as wg and wg-quick read them: '#' starts a comment anywhere,
// white space around keys and values is ignored (and inside wg's own values removed, as wg does), key and
// section names are case-insensitive, and Address, DNS, AllowedIPs and the hooks accumulate over lines.
namespace WgSharp.Cli.Configuration;

internal sealed partial class ConfigParser
{
    private readonly string _file;
    private readonly ConfigParserOptions _options;
    private readonly InterfaceConfig _config;
    private readonly List<ConfigError> _errors = [];
    private readonly List<ConfigError> _warnings = [];

    // Lines of the keys given in each section object (InterfaceConfig, PeerConfig, RuleConfig,
    // ForwardConfig): for "given twice" and for errors found after the whole file is read.
    private readonly Dictionary<object, Dictionary<string, int>> _keyLines = new(ReferenceEqualityComparer.Instance);

    // Sections whose key was present but invalid: no second "missing key" error for them.
    private readonly HashSet<object> _badKey = new(ReferenceEqualityComparer.Instance);

    private ConfigSection _section = ConfigSection.None;
    private PeerConfig? _peer;
    private RuleConfig? _rule;
    private ForwardConfig? _forward;

    private ConfigParser(string file, ConfigParserOptions options)
    {
        _file = file;
        _options = options;
        _config = new InterfaceConfig(file);
    }

    /// <summary>Parses the text of a file. <paramref name="fileName"/> is only used in messages.</summary>
    public static ConfigParseResult Parse(string text, string fileName, ConfigParserOptions? options = null)
    {
        var parser = new ConfigParser(fileName, options ?? ConfigParserOptions.Default);
        try
        {
            return parser.Run(text);
        }
        catch
        {
            parser._config.Dispose();
            throw;
        }
    }

    /// <summary>Reads and parses a file; a file that cannot be read is one error.</summary>
    public static ConfigParseResult ParseFile(string path, ConfigParserOptions? options = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ConfigParseResult(null, [new ConfigError(path, 0, "cannot read the file: " + e.Message)], []);
        }

        return Parse(text, path, options);
    }

    /// <summary>Reads and parses a file; throws <see cref="ConfigException"/> with every error found.</summary>
    public static InterfaceConfig Load(string path, ConfigParserOptions? options = null) =>
        ParseFile(path, options).GetConfigOrThrow();

    private ConfigParseResult Run(string text)
    {
        int lineNumber = 0;
        foreach (Range range in text.AsSpan().Split('\n'))
        {
            lineNumber++;
            ParseLine(text[range], lineNumber);
        }

        CheckWholeFile();
        ConfigError[] errors = [.. _errors.OrderBy(e => e.Line)];
        ConfigError[] warnings = [.. _warnings.OrderBy(e => e.Line)];
        if (errors.Length > 0)
        {
            _config.Dispose();
            return new ConfigParseResult(null, errors, warnings);
        }

        return new ConfigParseResult(_config, errors, warnings);
    }

    private void ParseLine(string raw, int line)
    {
        int hash = raw.IndexOf('#');
        string text = (hash >= 0 ? raw[..hash] : raw).Trim();
        if (text.Length == 0)
        {
            return;
        }

        if (text[0] == '[')
        {
            BeginSection(text, line);
            return;
        }

        int equals = text.IndexOf('=');
        if (equals <= 0)
        {
            Error(line, "expected 'Key = Value' or a [Section] header");
            return;
        }

        string key = ConfigValues.RemoveWhiteSpace(text[..equals]);
        string value = text[(equals + 1)..].Trim();
        switch (_section)
        {
            case ConfigSection.None:
                Error(line, $"{Describe(key)} is outside any section (start with [Interface] or [Peer])");
                return;
            case ConfigSection.Unknown:
                return;
        }

        if (FindKey(_section, key) is not { } spec)
        {
            UnknownKey(key, line);
            return;
        }

        object owner = CurrentSectionObject();
        Dictionary<string, int> lines = _keyLines[owner];
        switch (spec.Kind)
        {
            case KeyKind.Wg:
                // wg's config.c drops every white space character of the line before reading it.
                value = ConfigValues.RemoveWhiteSpace(value);
                if (value.Length == 0)
                {
                    Error(line, $"{spec.Name}: a value is required");
                    return;
                }

                break;
            case KeyKind.Extension:
                if (value.Length == 0)
                {
                    Error(line, $"{spec.Name}: a value is required");
                    return;
                }

                if (spec.Once && lines.TryGetValue(spec.Name, out int first))
                {
                    Error(line, $"{spec.Name}: given twice in this {SectionName(_section)} (first on line {first})");
                    return;
                }

                break;
        }

        lines.TryAdd(spec.Name, line);
        spec.Handler(this, value, line);
    }

    private void BeginSection(string text, int line)
    {
        string header = ConfigValues.RemoveWhiteSpace(text);
        ConfigSection section = ConfigSection.Unknown;
        foreach (ConfigSection candidate in SectionsWithKeys)
        {
            if (header.Equals(SectionName(candidate), StringComparison.OrdinalIgnoreCase))
            {
                section = candidate;
            }
        }

        _section = section;
        switch (section)
        {
            case ConfigSection.Interface:
                if (_config.Line == 0)
                {
                    _config.Line = line;
                    _keyLines[_config] = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                }

                break;
            case ConfigSection.Peer:
                _peer = new PeerConfig(line);
                _config.Peers.Add(_peer);
                _keyLines[_peer] = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                break;
            case ConfigSection.Rule:
                _rule = new RuleConfig(line);
                _config.Rules.Add(_rule);
                _keyLines[_rule] = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                break;
            case ConfigSection.Forward:
                _forward = new ForwardConfig(line);
                _config.Forwards.Add(_forward);
                _keyLines[_forward] = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                break;
            default:
                // The name is repeated only when it is a near miss of a real one: anything else could
                // be a pasted key.
                string name = header.Length > 2 && header[^1] == ']' ? header[1..^1] : "";
                string? guess = ConfigValues.IsIdentifier(name)
                    ? KeySuggestion.Closest(name, SectionsWithKeys.Select(s => SectionName(s)[1..^1]))
                    : null;
                Error(line, guess is not null
                    ? $"unknown section [{name}]; did you mean [{guess}]?"
                    : "unknown section (expected [Interface], [Peer], [Rule] or [Forward])");
                break;
        }
    }

    private object CurrentSectionObject() => _section switch
    {
        ConfigSection.Interface => _config,
        ConfigSection.Peer => _peer!,
        ConfigSection.Rule => _rule!,
        _ => _forward!,
    };

    // The unknown name is repeated only when it is a near miss of a real key: anything else could be
    // (part of) a key pasted into the wrong place.
    private void UnknownKey(string key, int line)
    {
        string section = SectionName(_section);
        foreach (ConfigSection other in SectionsWithKeys)
        {
            if (other != _section && FindKey(other, key) is { } elsewhere)
            {
                Error(line, $"{elsewhere.Name} belongs in {SectionName(other)}, not in {section}");
                return;
            }
        }

        string? guess = ConfigValues.IsIdentifier(key) ? KeySuggestion.Closest(key, Keys[_section].Select(k => k.Name)) : null;
        Error(line, guess is not null
            ? $"{key}: unknown key in {section}; did you mean {guess}?"
            : $"unknown key in {section} (the keys there are {string.Join(", ", Keys[_section].Select(k => k.Name))})");
    }

    // A key is named in a message only when it is a real one.
    private static string Describe(string key) =>
        SectionsWithKeys.Select(s => FindKey(s, key)).FirstOrDefault(k => k is not null)?.Name ?? "this line";

    private static string SectionName(ConfigSection section) => section switch
    {
        ConfigSection.Interface => "[Interface]",
        ConfigSection.Peer => "[Peer]",
        ConfigSection.Rule => "[Rule]",
        ConfigSection.Forward => "[Forward]",
        _ => "this section",
    };

    private int KeyLine(object section, string key, int fallback) =>
        _keyLines.TryGetValue(section, out Dictionary<string, int>? lines) && lines.TryGetValue(key, out int line) ? line : fallback;

    private bool HasKey(object section, string key) =>
        _keyLines.TryGetValue(section, out Dictionary<string, int>? lines) && lines.ContainsKey(key);

    private void Error(int line, string message) => _errors.Add(new ConfigError(_file, line, message));

    private void Warning(int line, string message) => _warnings.Add(new ConfigError(_file, line, message));
}
