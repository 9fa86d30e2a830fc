#!/usr/bin/python3
"""A TCP relay that delays every chunk by a fixed time, each way: latency
on one path where the kernel has no netem (tests/faults/test_fault_matrix.sh).

    delay_relay.py LISTEN_ADDR LISTEN_PORT TARGET_ADDR TARGET_PORT SOURCE_ADDR DELAY_MS
    kill -USR1 PID   # from now on, the delay is DELAY_MS (it starts at 0)

Every connection accepted on LISTEN_ADDR:LISTEN_PORT is relayed to
TARGET_ADDR:TARGET_PORT from SOURCE_ADDR (so that an iptables DNAT rule
that sends the target's traffic here can leave the relay's own connection
out by its source). Each chunk read on one side is written to the other
DELAY_MS after it was read, in order, so the round trip grows by twice
DELAY_MS and the throughput is not limited. The delay starts at 0 and
becomes DELAY_MS on SIGUSR1: latency that appears on connections already
made (the console's session is made through the relay, then slowed). An end of stream is passed on
after the same delay. LISTEN_PORT 0 takes a free port. Prints "listening
PORT" once it accepts connections.
"""

import asyncio
import signal
import sys

DELAY = {"s": 0.0}  # what each chunk read from now on waits


async def pipe(reader, writer):
    """Reads chunks and hands each to the writer the delay after it came."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def deliver():
        while True:
            due, chunk = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if chunk is None:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(chunk)
            await writer.drain()

    sender = asyncio.ensure_future(deliver())
    try:
        while True:
            chunk = await reader.read(65536)
            await queue.put((loop.time() + DELAY["s"], chunk or None))
            if not chunk:
                break
        await sender
    except (ConnectionError, OSError):
        sender.cancel()


async def relay(client_reader, client_writer, target, source):
    try:
        server_reader, server_writer = await asyncio.open_connection(
            target[0], target[1], local_addr=(source, 0))
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(
        pipe(client_reader, server_writer),
        pipe(server_reader, client_writer),
        return_exceptions=True)
    client_writer.close()
    server_writer.close()


async def main():
    listen_addr, listen_port, target_addr, target_port, source, delay_ms = sys.argv[1:7]
    target = (target_addr, int(target_port))
    def slow_down():
        DELAY["s"] = int(delay_ms) / 1000.0
        print("delaying", delay_ms, "ms", flush=True)

    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, slow_down)
    server = await asyncio.start_server(
        lambda r, w: relay(r, w, target, source), listen_addr, int(listen_port))
    port = server.sockets[0].getsockname()[1]
    print("listening", port, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    asyncio.run(main())
