package io.streamtrain.core.kafka;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded broker's two listeners get two ports even from an operating system that hands a just-closed port to
 * the next request (as Linux may): the fault that once stopped an ingest with "Each listener must have a different
 * port".
 */
class FreePortsTest {

    /** An operating system that gives port {@code preferred} to every request while it is free. */
    private static FreePorts.Source preferring(int preferred) {
        return () -> {
            try {
                return new ServerSocket(preferred, 1, InetAddress.getLoopbackAddress());
            } catch (BindException busy) {
                return FreePorts.LOOPBACK.open();
            }
        };
    }

    private static int somePort() {
        return FreePorts.reserve(1)[0];
    }

    @Test
    void askingOnePortAtATimeCanGetTheSamePortTwice() throws IOException {
        FreePorts.Source os = preferring(somePort());
        int first;
        try (ServerSocket s = os.open()) {
            first = s.getLocalPort();
        }
        try (ServerSocket s = os.open()) {
            assertThat(s.getLocalPort()).as("what the broker's start once did").isEqualTo(first);
        }
    }

    @Test
    void reservedPortsAreDistinctAndAvoidTheTakenOnes() {
        int preferred = somePort();
        int[] two = FreePorts.reserve(preferring(preferred), 2);
        assertThat(two[0]).isNotEqualTo(two[1]);
        int[] besides = FreePorts.reserve(preferring(preferred), 1, preferred);
        assertThat(besides[0]).isNotEqualTo(preferred);
        for (int i = 0; i < 200; i++) {
            int[] three = FreePorts.reserve(3);
            assertThat(Arrays.stream(three).distinct().count()).isEqualTo(3);
        }
    }

    @Test
    void theBrokerStartsWhenTheSystemHandsBackTheLastClosedPort(@TempDir Path dir) {
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), 0, preferring(somePort()))) {
            assertThat(broker.bootstrapServers()).startsWith("localhost:");
        }
    }
}
