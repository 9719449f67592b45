package io.streamtrain.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.streamtrain.core.UserException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.regex.Pattern;

/**
 * A CSV file with a header as wire-format events, read by Apache Commons CSV as RFC 4180 describes: quoted fields may
 * hold commas, doubled quotes and line breaks; lines may end in CRLF; a UTF-8 byte-order mark before the header is
 * ignored. The {@code label} column holds a class index or name, an optional {@code id} column the record id
 * (otherwise {@code <file name>-<line where the row starts>}), and every other column a feature.
 *
 * <p>Cells are passed on as they are (trimmed), so a bad row (a wrong number of cells, a cell that is not a number, an
 * unknown label) still becomes a record and the door quarantines it under its id; nothing is fixed or dropped here.
 * Only rows that are empty or blank are skipped, and counted. A file the CSV parser cannot read to its end (an
 * unterminated quote, bytes that are not UTF-8) is refused with the line before anything is sent: {@link #open}
 * reads the whole file once to check that.
 */
public final class CsvEvents implements Iterator<Event>, AutoCloseable {

    private static final JsonFactory JSON = new JsonFactory();
    /** RFC 8259's number grammar: a cell that matches goes out as a JSON number, any other as a string. */
    private static final Pattern NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?");
    private static final Pattern INDEX = Pattern.compile("0|[1-9][0-9]*");
    /** Empty lines are kept as records so that line numbers stay exact; they are skipped here instead. */
    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(false).build();

    private final Path file;
    private final CSVParser parser;
    private final Iterator<CSVRecord> records;
    private final String prefix;
    private int labelColumn;
    private int idColumn;
    private final long timestamp;
    /** The last line of the row returned last (1 is the header's). */
    private long lastLine;
    private CSVRecord next;
    private long nextLine;
    private long blankRows;

    private CsvEvents(Path file, long timestamp) throws IOException {
        this.file = file;
        this.timestamp = timestamp;
        String name = file.getFileName().toString();
        this.prefix = name.endsWith(".csv") ? name.substring(0, name.length() - 4) : name;
        this.parser = CSVParser.parse(reader(file), FORMAT);
        this.records = parser.iterator();
        try {
            header();
        } catch (RuntimeException e) {
            parser.close();
            throw e;
        }
    }

    private void header() {
        if (!records.hasNext()) {
            throw new UserException("produce: " + file + " is empty: expected a header line naming the columns,"
                    + " one of them 'label'");
        }
        List<String> names = new ArrayList<>();
        records.next().forEach(name -> names.add(name.trim()));
        lastLine = parser.getCurrentLineNumber();
        labelColumn = names.indexOf("label");
        idColumn = names.indexOf("id");
        if (labelColumn < 0) {
            throw new UserException("produce: " + file + ": the header " + String.join(",", names)
                    + " has no 'label' column; expected a first line naming the columns: 'label' (class index or"
                    + " name), optionally 'id', and one column per feature");
        }
        advance();
    }

    /**
     * Checks that the whole file parses as CSV, then opens it for reading events.
     *
     * @throws UserException naming the file and line when it does not
     */
    public static CsvEvents open(Path file, long timestamp) {
        try (CsvEvents check = create(file, timestamp)) {
            while (check.hasNext()) {
                check.next();
            }
        }
        return create(file, timestamp);
    }

    private static CsvEvents create(Path file, long timestamp) {
        try {
            return new CsvEvents(file, timestamp);
        } catch (NoSuchFileException e) {
            throw new UserException("produce: " + file + " does not exist: give --input a CSV file with a header");
        } catch (CharacterCodingException e) {
            throw unreadable(file, 1, e);
        } catch (IOException e) {
            throw new UserException("produce: cannot read " + file + ": " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw unreadable(file, 1, e.getCause());
        }
    }

    /** Empty or blank rows skipped so far. */
    public long blankRows() {
        return blankRows;
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
        Event event = event(next, nextLine);
        advance();
        return event;
    }

    private Event event(CSVRecord row, long line) {
        String id = idColumn < row.size() && idColumn >= 0 ? row.get(idColumn).trim() : prefix + "-" + line;
        ByteArrayOutputStream out = new ByteArrayOutputStream(row.size() * 4 + 64);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeNumberField("ts", timestamp);
            if (labelColumn < row.size()) {
                // A row too short to reach the label column has none: the door says MISSING_FIELD.
                String label = row.get(labelColumn).trim();
                g.writeFieldName("label");
                if (INDEX.matcher(label).matches()) {
                    g.writeNumber(label);
                } else {
                    g.writeString(label);
                }
            }
            g.writeArrayFieldStart("features");
            for (int i = 0; i < row.size(); i++) {
                if (i != labelColumn && i != idColumn) {
                    String cell = row.get(i).trim();
                    if (NUMBER.matcher(cell).matches()) {
                        g.writeNumber(cell);
                    } else {
                        g.writeString(cell);
                    }
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Event(id, out.toByteArray());
    }

    /** Moves to the next row that is not empty or blank, noting the line it starts on. */
    private void advance() {
        while (true) {
            CSVRecord row;
            try {
                if (!records.hasNext()) {
                    next = null;
                    return;
                }
                row = records.next();
            } catch (UncheckedIOException | IllegalStateException e) {
                throw unreadable(file, lastLine + 1, e.getCause() == null ? e : e.getCause());
            }
            long start = lastLine + 1;
            lastLine = parser.getCurrentLineNumber();
            if (row.size() == 1 && row.get(0).isBlank()) {
                blankRows++;
                continue;
            }
            next = row;
            nextLine = start;
            return;
        }
    }

    private static UserException unreadable(Path file, long line, Throwable cause) {
        if (cause instanceof CharacterCodingException) {
            // The decoder reads ahead, so the bad bytes are at this line or after it.
            return new UserException("produce: " + file + " is not valid UTF-8 (at or after line " + line
                    + "): save it as UTF-8; nothing was sent");
        }
        return new UserException("produce: " + file + ", the row starting at line " + line + " cannot be parsed as"
                + " CSV (" + cause.getMessage() + "; a field holding a comma, a quote or a line break must be enclosed"
                + " in double quotes, and a quote inside it doubled); nothing was sent");
    }

    /** The file decoded strictly as UTF-8, without a leading byte-order mark. */
    private static Reader reader(Path file) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file),
                StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)), 1 << 16);
        in.mark(1);
        if (in.read() != '\uFEFF') {
            in.reset();
        }
        return in;
    }

    @Override
    public void close() {
        try {
            parser.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
