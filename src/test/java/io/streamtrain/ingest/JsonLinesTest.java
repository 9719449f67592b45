package io.streamtrain.ingest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A JSON-lines file reaches Kafka byte for byte: every line's bytes, unchanged, in file order. */
class JsonLinesTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<Event> read(Path file, long[] emptyLines) {
        List<Event> out = new ArrayList<>();
        try (JsonLines lines = JsonLines.open(file, 256)) {
            lines.forEachRemaining(out::add);
            emptyLines[0] = lines.emptyLines();
        }
        return out;
    }

    @Test
    void everyLineIsSentAsItsExactBytesAndEmptyLinesAreCounted(@TempDir Path tmp) throws IOException {
        List<byte[]> lines = List.of(
                utf8("{\"id\":\"crlf\",\"ts\":1}\r"),
                new byte[]{(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '"', 'i', 'd', '"', ':', '"', 'b', '"', '}'},
                new byte[]{'{', '"', 'i', 'd', '"', ':', '"', 'n', '"', '}', 0, 0},
                new byte[]{'{', '"', 'i', 'd', '"', ':', '"', 'u', '"', ',', '"', 'x', '"', ':', '"', (byte) 0xC3,
                        0x28, '"', '}'},
                utf8("{\"id\":\"long\",\"pad\":\"" + "p".repeat(300_000) + "\"}"),
                utf8("  \t"),
                utf8("{\"id\":\"trunc"));
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(utf8("\n"));
        for (byte[] line : lines) {
            file.writeBytes(line);
            // Two empty lines between records, one of them a CRLF file's empty line.
            file.writeBytes(utf8("\n\n\r\n"));
        }
        Path path = tmp.resolve("in.jsonl");
        Files.write(path, file.toByteArray());

        long[] empty = new long[1];
        List<Event> events = read(path, empty);
        assertThat(events).hasSize(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            assertThat(events.get(i).value()).as("line %d", i).isEqualTo(lines.get(i));
        }
        assertThat(empty[0]).isEqualTo(1 + 2L * lines.size());
        assertThat(events).extracting(Event::key)
                .containsExactly("crlf", "b", "n", "u", "long", null, null);
    }

    @Test
    void aLastLineWithoutNewlineIsSentAndNoEmptyLineIsInvented(@TempDir Path tmp) throws IOException {
        Path path = tmp.resolve("in.jsonl");
        Files.write(path, utf8("{\"id\":\"a\"}\n{\"id\":\"b\"}"));
        long[] empty = new long[1];
        assertThat(read(path, empty)).extracting(Event::key).containsExactly("a", "b");
        assertThat(empty[0]).isZero();
        Files.write(path, utf8("{\"id\":\"a\"}\n"));
        assertThat(read(path, empty)).hasSize(1);
        assertThat(empty[0]).isZero();
    }
}
