package io.streamtrain.core.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Distinct free TCP ports on the loopback address, for a server that needs several listeners at once. Every port is
 * held open until all are found: the operating system may hand a port that was just closed to the very next request,
 * so asking twice, one port at a time, can return the same port twice.
 */
public final class FreePorts {

    /** Opens a server socket on a port of the operating system's (or a test's) choosing. */
    @FunctionalInterface
    public interface Source {
        ServerSocket open() throws IOException;
    }

    /** The operating system's choice of an ephemeral port on the loopback address. */
    public static final Source LOOPBACK = () -> new ServerSocket(0, 1, InetAddress.getLoopbackAddress());

    private FreePorts() {
    }

    /** {@code count} distinct free ports, none of them in {@code taken}. */
    public static int[] reserve(int count, int... taken) {
        return reserve(LOOPBACK, count, taken);
    }

    /** {@code count} distinct ports from {@code source}, none of them in {@code taken}. */
    public static int[] reserve(Source source, int count, int... taken) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[count];
            int found = 0;
            // A bounded number of tries: a port in taken is skipped but stays held, so the next one differs.
            for (int attempt = 0; found < count && attempt < count + taken.length + 16; attempt++) {
                ServerSocket socket = source.open();
                held.add(socket);
                int port = socket.getLocalPort();
                if (Arrays.stream(taken).noneMatch(t -> t == port)) {
                    ports[found++] = port;
                }
            }
            if (found < count) {
                throw new IllegalStateException("Found only " + found + " of " + count + " free ports");
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find a free port on the loopback address", e);
        } finally {
            for (ServerSocket socket : held) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // Closing a listening socket that accepted nothing cannot lose data.
                }
            }
        }
    }
}
