package io.streamtrain.ingest;

import io.streamtrain.core.table.Reason;
import io.streamtrain.core.UserException;
import io.streamtrain.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** CSV as RFC 4180 writes it becomes wire records the door judges; a file the parser cannot read is refused whole. */
class CsvEventsTest {

    private final RecordParser door = new RecordParser(Fixtures.tinyRules());

    private Map<String, ParsedRecord> judge(Path csv) {
        Map<String, ParsedRecord> byId = new LinkedHashMap<>();
        try (CsvEvents events = CsvEvents.open(csv, 5L)) {
            while (events.hasNext()) {
                Event e = events.next();
                byId.put(e.key(), door.parse(e.key(), e.value()));
            }
        }
        return byId;
    }

    private static Path write(Path dir, String name, byte[] content) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, content);
        return file;
    }

    private static Path write(Path dir, String name, String content) throws IOException {
        return write(dir, name, content.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void quotedFieldsWithCommasQuotesAndLineBreaksKeepTheirText(@TempDir Path tmp) throws IOException {
        Path csv = write(tmp, "q.csv", "id,label,a,b,c\r\n"
                + "\"r,1\",\"b\",0,\"0.5\",1\r\n"
                + "\"say \"\"hi\"\"\",a,0,0,0\r\n"
                + "\"two\nlines\",c,1,1,1\r\n"
                + "\r\n"
                + "r4,\"a,b\",0,0,0\r\n");
        Map<String, ParsedRecord> byId = judge(csv);
        assertThat(byId).containsOnlyKeys("r,1", "say \"hi\"", "two\nlines", "r4");
        assertThat(byId.get("r,1").isAccepted()).isTrue();
        assertThat(byId.get("r,1").label()).isEqualTo(1);
        assertThat(byId.get("r,1").features()).containsExactly(0f, 0.5f, 1f);
        assertThat(byId.get("say \"hi\"").isAccepted()).isTrue();
        assertThat(byId.get("two\nlines").label()).isEqualTo(2);
        // A label with an embedded comma is one cell, an unknown class name: quarantined under its id.
        assertThat(byId.get("r4").reason()).isEqualTo(Reason.UNKNOWN_LABEL);
        assertThat(byId.get("r4").id()).isEqualTo("r4");
    }

    @Test
    void aByteOrderMarkBeforeTheHeaderIsIgnored(@TempDir Path tmp) throws IOException {
        byte[] body = "label,x,y,z\n2,0,0,0\n".getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[body.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(body, 0, withBom, 3, body.length);
        Map<String, ParsedRecord> byId = judge(write(tmp, "bom.csv", withBom));
        assertThat(byId.get("bom-2").isAccepted()).isTrue();
        assertThat(byId.get("bom-2").label()).isEqualTo(2);
    }

    @Test
    void badRowsStillReachTheDoorWithTheLineTheyStartOn(@TempDir Path tmp) throws IOException {
        Path csv = write(tmp, "rows.csv", "label,x,y,z\n"
                + "0,0,0\n"
                + "\n"
                + "1,0,zero,0\n"
                + "7,0,0,0\n"
                + "1,0,00,0\n"
                + "0,\"multi\nline\",0,0\n"
                + "1,1,1,1\n");
        Map<String, ParsedRecord> byId = judge(csv);
        assertThat(byId.get("rows-2").reason()).isEqualTo(Reason.WRONG_VECTOR_LENGTH);
        assertThat(byId.get("rows-4").reason()).isEqualTo(Reason.WRONG_TYPE);
        assertThat(byId.get("rows-5").reason()).isEqualTo(Reason.UNKNOWN_LABEL);
        // "00" is not a JSON number, so it goes out as a string rather than as invalid JSON.
        assertThat(byId.get("rows-6").reason()).isEqualTo(Reason.WRONG_TYPE);
        assertThat(byId.get("rows-7").reason()).isEqualTo(Reason.WRONG_TYPE);
        assertThat(byId.get("rows-9").isAccepted()).isTrue();
        assertThat(byId.values()).allSatisfy(r -> assertThat(r.id()).startsWith("rows-"));
    }

    @Test
    void anUnterminatedQuoteRefusesTheFileNamingTheLine(@TempDir Path tmp) throws IOException {
        Path csv = write(tmp, "open.csv", "label,x,y,z\n0,0,0,0\n1,\"0,0,0\n2,0,0,0\n");
        assertThatThrownBy(() -> CsvEvents.open(csv, 5L))
                .isInstanceOf(UserException.class)
                .hasMessageContaining(csv.toString())
                .hasMessageContaining("line 3")
                .hasMessageContaining("nothing was sent")
                .hasMessageNotContaining("\n");
    }

    @Test
    void bytesThatAreNotUtf8RefuseTheFile(@TempDir Path tmp) throws IOException {
        Path csv = write(tmp, "latin.csv",
                new byte[]{'l', 'a', 'b', 'e', 'l', ',', 'x', '\n', '0', ',', (byte) 0xE9, '\n'});
        assertThatThrownBy(() -> CsvEvents.open(csv, 5L))
                .isInstanceOf(UserException.class)
                .hasMessageContaining("not valid UTF-8");
    }

    @Test
    void aHeaderWithoutLabelNamesTheFileAndTheHeader(@TempDir Path tmp) throws IOException {
        Path csv = write(tmp, "nolabel.csv", "id,class,x\nr1,0,1\n");
        assertThatThrownBy(() -> CsvEvents.open(csv, 5L))
                .isInstanceOf(UserException.class)
                .hasMessageContaining(csv.toString())
                .hasMessageContaining("id,class,x")
                .hasMessageContaining("'label'");
        Path empty = write(tmp, "empty.csv", "");
        assertThatThrownBy(() -> CsvEvents.open(empty, 5L)).isInstanceOf(UserException.class)
                .hasMessageContaining("is empty");
    }
}
