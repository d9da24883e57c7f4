// Blocking reads from a channel for the pipeline's dedicated threads: no allocation while items are
// flowing (TryRead succeeds); only an idle wait touches a Task.
using System.Threading.Channels;

namespace WgSharp.Router.Device;

internal static class ChannelReading
{
    /// <summary>Waits for an item; false once the channel is completed and empty.</summary>
    public static bool TryReadBlocking<T>(this ChannelReader<T> reader, out T item)
    {
        while (true)
        {
            if (reader.TryRead(out item!))
            {
                return true;
            }

            ValueTask<bool> wait = reader.WaitToReadAsync();
            bool more = wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
            if (!more)
            {
                return false;
            }
        }
    }
}
