// Assembly-wide xunit settings for the interop suite.
//
// Tests run one at a time: each starts two WireGuard daemons and drives traffic through them, on a
// 2-core machine. Running them side by side would let one test's iperf3/TCP load starve another's
// daemons, turning loss, handshake and "within N seconds" checks into coin flips; the suite spends most
// of its time waiting on the network, not on the CPU, so serial execution costs little.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// Network namespaces, veth, TUN and /proc: the harness only exists on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
