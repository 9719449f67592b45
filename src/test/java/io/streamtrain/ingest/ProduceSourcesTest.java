package io.streamtrain.ingest;

import io.streamtrain.core.table.Reason;
import io.streamtrain.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The synthetic generator and the CSV reader produce what they promise, judged by the real door. */
class ProduceSourcesTest {

    private final RecordParser door = new RecordParser(new IngestRules(Fixtures.fashionSchema(), 1 << 20, 16, 256));

    @Test
    void syntheticEventsHaveTheConfiguredShape() {
        SyntheticEvents.Spec spec = new SyntheticEvents.Spec(20_000, 7, 1.0, 0.0, 0.05, 0.04);
        SyntheticEvents events = new SyntheticEvents(Fixtures.fashionSchema(), spec, 1L);
        int[] perClass = new int[10];
        int rejected = 0;
        int total = 0;
        Set<String> ids = new HashSet<>();
        int repeated = 0;
        while (events.hasNext()) {
            Event e = events.next();
            total++;
            if (!ids.add(e.key())) {
                repeated++;
            }
            ParsedRecord r = door.parse(e.key(), e.value());
            if (r.isAccepted()) {
                perClass[r.label()]++;
            } else {
                rejected++;
            }
        }
        assertThat(total).isEqualTo(20_000);
        assertThat(repeated / (double) total).isCloseTo(0.05, within(0.01));
        // Duplicates repeat malformed events too, so the rejected share is about the malformed rate.
        assertThat(rejected / (double) total).isCloseTo(0.04, within(0.01));
        // Imbalance 1.0: class 0 is drawn about ten times as often as class 9.
        assertThat(perClass[0] / (double) perClass[9]).isBetween(7.0, 13.0);
    }

    @Test
    void theSameSeedGivesTheSameEvents() {
        SyntheticEvents.Spec spec = new SyntheticEvents.Spec(200, 3, 0.5, 0.1, 0.1, 0.1);
        SyntheticEvents a = new SyntheticEvents(Fixtures.fashionSchema(), spec, 1L);
        SyntheticEvents b = new SyntheticEvents(Fixtures.fashionSchema(), spec, 1L);
        while (a.hasNext()) {
            assertThat(Arrays.equals(a.next().value(), b.next().value())).isTrue();
        }
        assertThat(b.hasNext()).isFalse();
    }

    @Test
    void csvRowsBecomeWireRecordsAndBadCellsReachTheDoor(@TempDir Path tmp) throws IOException {
        Path csv = tmp.resolve("shop.csv");
        Files.writeString(csv, "id,label,a,b,c\n"
                + "r1,0,0,0.5,1\n"
                + "r2,b,1,1,1\n"
                + "\n"
                + "r3,1,1,oops,1\n"
                + "r4,1,1,1\n");
        Map<String, ParsedRecord> byId = new HashMap<>();
        RecordParser tiny = new RecordParser(Fixtures.tinyRules());
        try (CsvEvents events = CsvEvents.open(csv, 5L)) {
            while (events.hasNext()) {
                Event e = events.next();
                byId.put(e.key(), tiny.parse(e.key(), e.value()));
            }
        }
        assertThat(byId).containsOnlyKeys("r1", "r2", "r3", "r4");
        assertThat(byId.get("r1").features()).containsExactly(0f, 0.5f, 1f);
        assertThat(byId.get("r2").label()).isEqualTo(1);
        assertThat(byId.get("r3").reason()).isEqualTo(Reason.WRONG_TYPE);
        assertThat(byId.get("r4").reason()).isEqualTo(Reason.WRONG_VECTOR_LENGTH);
    }

    @Test
    void csvWithoutIdColumnNumbersItsLines(@TempDir Path tmp) throws IOException {
        Path csv = tmp.resolve("plain.csv");
        Files.writeString(csv, "label,x,y,z\n2,0,0,0\n1,1,1,1\n");
        List<String> ids = new ArrayList<>();
        try (CsvEvents events = CsvEvents.open(csv, 5L)) {
            events.forEachRemaining(e -> ids.add(e.key()));
        }
        assertThat(ids).containsExactly("plain-2", "plain-3");
    }
}
