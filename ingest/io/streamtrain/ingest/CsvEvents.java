package io.streamtrain.ingest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A CSV file with a header as wire-format events: the {@code label} column (index or class name), an optional
 * {@code id} column (otherwise {@code <file>-<line>}), every other column a feature. Values are passed on as they
 * are, so a bad cell is quarantined by ingest with the line's id, never fixed or dropped here.
 */
public final class CsvEvents implements Iterator<Event>, AutoCloseable {

    private final BufferedReader reader;
    private final String prefix;
    private final int labelColumn;
    private final int idColumn;
    private final long timestamp;
    private String line;
    private long lineNumber = 1;

    public CsvEvents(Path file, long timestamp) {
        try {
            this.reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
            String header = reader.readLine();
            if (header == null) {
                throw new IllegalArgumentException(file + " is empty: expected a header with a 'label' column");
            }
            List<String> names = Arrays.stream(header.split(",", -1)).map(String::trim).toList();
            this.labelColumn = names.indexOf("label");
            this.idColumn = names.indexOf("id");
            if (labelColumn < 0) {
                throw new IllegalArgumentException(file + ": the header " + names + " has no 'label' column");
            }
            String name = file.getFileName().toString();
            this.prefix = name.endsWith(".csv") ? name.substring(0, name.length() - 4) : name;
            this.timestamp = timestamp;
            advance();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    @Override
    public boolean hasNext() {
        return line != null;
    }

    @Override
    public Event next() {
        if (line == null) {
            throw new NoSuchElementException();
        }
        String[] cells = line.split(",", -1);
        String id = idColumn >= 0 && idColumn < cells.length ? cells[idColumn].trim() : prefix + "-" + lineNumber;
        StringBuilder json = new StringBuilder("{\"id\":").append(quote(id)).append(",\"ts\":").append(timestamp)
                .append(",\"label\":");
        String label = labelColumn < cells.length ? cells[labelColumn].trim() : "";
        json.append(label.matches("\\d+") ? label : quote(label)).append(",\"features\":[");
        List<String> features = new ArrayList<>();
        for (int i = 0; i < cells.length; i++) {
            if (i != labelColumn && i != idColumn) {
                String cell = cells[i].trim();
                features.add(cell.matches("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?") ? cell : quote(cell));
            }
        }
        json.append(String.join(",", features)).append("]}");
        advance();
        return new Event(id, json.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void advance() {
        try {
            do {
                line = reader.readLine();
                lineNumber++;
            } while (line != null && line.isBlank());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
