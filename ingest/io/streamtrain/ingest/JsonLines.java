package io.streamtrain.ingest;

import io.streamtrain.core.UserException;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A JSON-lines file as events, byte for byte: the file is read as raw bytes (never decoded) and split on {@code \n}
 * only, so a byte-order mark, a {@code \r} before the {@code \n}, NUL bytes, invalid UTF-8 and very long lines all
 * reach Kafka unchanged and the door decides about them (see {@link RecordParser}).
 *
 * <p>An empty line (no bytes between two {@code \n}), or a lone {@code \r} (an empty line of a CRLF file), is not a
 * record: it is skipped and counted in {@link #emptyLines()}. Any other line is sent, a whitespace-only one too, and
 * the door quarantines it as {@code MALFORMED_JSON}. The key is the record's id when Jackson can read it from the
 * bytes, else null. Records come in file order, so {@code produce --skip N} skips exactly the first N records.
 */
final class JsonLines implements Iterator<Event>, AutoCloseable {

    private final Path file;
    private final InputStream in;
    private final int maxIdLength;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(4096);
    private byte[] next;
    private long emptyLines;

    private JsonLines(Path file, InputStream in, int maxIdLength) {
        this.file = file;
        this.in = in;
        this.maxIdLength = maxIdLength;
        advance();
    }

    /** Opens {@code file}; a missing or unreadable file is the user's to fix. */
    static JsonLines open(Path file, int maxIdLength) {
        try {
            return new JsonLines(file, new BufferedInputStream(Files.newInputStream(file), 1 << 16), maxIdLength);
        } catch (NoSuchFileException e) {
            throw new UserException("produce: " + file + " does not exist: give --input a JSON-lines file");
        } catch (IOException e) {
            throw new UserException("produce: cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Empty lines seen so far (all of them once the iterator is exhausted). */
    long emptyLines() {
        return emptyLines;
    }

    @Override
    public boolean hasNext() {
        return next != null;
    }

    @Override
    public Event next() {
        if (next == null) {
            throw new NoSuchElementException();
        }
        byte[] value = next;
        advance();
        return new Event(RecordParser.readableId(value, value.length, maxIdLength), value);
    }

    private void advance() {
        try {
            while (true) {
                line.reset();
                int b;
                while ((b = in.read()) != -1 && b != '\n') {
                    line.write(b);
                }
                boolean atEnd = b == -1;
                if (line.size() == 0 || (line.size() == 1 && line.toByteArray()[0] == '\r')) {
                    // The newline that ends the file's last line does not start another, empty one.
                    if (atEnd) {
                        next = null;
                        return;
                    }
                    emptyLines++;
                    continue;
                }
                next = line.toByteArray();
                return;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
