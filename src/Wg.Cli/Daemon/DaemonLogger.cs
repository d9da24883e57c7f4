// The daemon's log lines, in wireguard-go's format ("DEBUG: (wg0) 2006/01/02 15:04:05 message") so
// existing log scrapers keep working. Writing never throws: a daemon whose log pipe closed keeps running.
using Microsoft.Extensions.Logging;

namespace WgSharp.Cli.Daemon;

internal sealed class DaemonLogger : ILogger
{
    private readonly string _interface;
    private readonly LogLevel? _minimum;
    private readonly TextWriter _output;
    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();

    /// <param name="clock">Stamps each line with its local time.</param>
    public DaemonLogger(string interfaceName, LogLevel? minimum, TextWriter output, TimeProvider clock)
    {
        _interface = interfaceName;
        _minimum = minimum;
        _output = output;
        _clock = clock;
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => _minimum is { } minimum && logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        string prefix = logLevel >= LogLevel.Error ? "ERROR" : logLevel >= LogLevel.Information ? "INFO" : "DEBUG";
        string line = $"{prefix}: ({_interface}) {_clock.GetLocalNow():yyyy/MM/dd HH:mm:ss} {formatter(state, exception)}";
        lock (_lock)
        {
            try
            {
                _output.WriteLine(line);
                _output.Flush();
            }
            catch (IOException)
            {
                // The reader went away (a closed pipe): logging is best effort.
            }
        }
    }
}
