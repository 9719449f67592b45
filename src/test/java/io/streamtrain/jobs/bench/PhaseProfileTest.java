package io.streamtrain.jobs.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class PhaseProfileTest {

    private static final Pattern SHARE = Pattern.compile("(\\w+):(\\d\\.\\d\\d)");

    @TempDir
    Path tmp;

    /** JUnit runs tests on {@code main}, one of the threads the profile counts. */
    @Test
    void samplesOfTheWorkingThreadGoToThePhaseThatNamesAFrameOfTheirStackAndWaitingIsNotCounted()
            throws InterruptedException {
        List<PhaseProfile.Phase> phases = List.of(
                new PhaseProfile.Phase("hashing", List.of(PhaseProfileTest.class.getName() + ".hash")),
                new PhaseProfile.Phase("sorting", List.of(PhaseProfileTest.class.getName() + ".sort")));
        String breakdown;
        try (PhaseProfile profile = PhaseProfile.start()) {
            long end = System.nanoTime() + 600_000_000L;
            long sink = 0;
            while (System.nanoTime() < end) {
                sink += hash(sink);
            }
            Thread.sleep(600);
            breakdown = profile.stop(tmp.resolve("profile.jfr"), phases);
            assertThat(sink).isNotZero();
        }
        assertThat(breakdown).startsWith("hashing:").contains(",sorting:0.00,other:");
        assertThat(tmp.resolve("profile.jfr")).isNotEmptyFile();
        Matcher m = SHARE.matcher(breakdown);
        assertThat(m.find()).isTrue();
        // The sleep (as long as the hashing) is no sample: nearly all samples are the hashing's.
        assertThat(Double.parseDouble(m.group(2))).as(breakdown).isGreaterThan(0.8);
        assertThat(Integer.parseInt(breakdown.replaceAll(".*shares of (\\d+) JFR samples.*", "$1")))
                .as(breakdown).isGreaterThan(10);
    }

    private static long hash(long seed) {
        return String.format(Locale.ROOT, "%d-%x", seed, seed * 31).hashCode() | 1L;
    }
}
