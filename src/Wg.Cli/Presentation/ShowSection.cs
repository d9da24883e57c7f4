// One part of the readable `show` output of an interface (wg's interface block, its peers; WgSharp's
// own sections such as rules and drop counters come after them). A section starts each of its blocks
// with ShowWriter.StartBlock, which puts the blank line between blocks.
namespace WgSharp.Cli.Presentation;

internal delegate void ShowSection(ShowWriter writer, ShownDevice device);
