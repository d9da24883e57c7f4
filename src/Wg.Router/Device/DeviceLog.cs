// The device's log messages, source-generated (no formatting cost when the level is off). Messages name
// peers by a short key prefix and never carry key material.
using Microsoft.Extensions.Logging;

namespace WgSharp.Router.Device;

internal static partial class DeviceLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Device started: interface {Interface}, listening on UDP port {Port}")]
    public static partial void Started(ILogger logger, string @interface, ushort port);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Device stopping: {Reason}")]
    public static partial void Stopping(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "UDP bind changed to port {Port}")]
    public static partial void Rebound(ILogger logger, ushort port);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer} - created")]
    public static partial void PeerCreated(ILogger logger, Peer peer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer} - removed")]
    public static partial void PeerRemoved(ILogger logger, Peer peer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer} - sending {Message}")]
    public static partial void Sending(ILogger logger, Peer peer, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer} - received {Message}")]
    public static partial void Received(ILogger logger, Peer? peer, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped {Message} from {Source}: {Reason}")]
    public static partial void HandshakeDropped(ILogger logger, string message, string source, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Peer} - failed to send to {Endpoint}: {Error}")]
    public static partial void SendFailed(ILogger logger, Peer peer, string endpoint, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "TUN error: {Error}")]
    public static partial void TunError(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "UDP receive error: {Error}")]
    public static partial void ReceiveError(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Interface is {State}")]
    public static partial void LinkState(ILogger logger, string state);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Interface MTU is now {Mtu}")]
    public static partial void MtuChanged(ILogger logger, int mtu);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Peer}: live session {State} (Routes = when-up)")]
    public static partial void Liveness(ILogger logger, Peer peer, string state);
}
