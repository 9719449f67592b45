package io.streamtrain.jobs.bench;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.table.Table;
import io.streamtrain.ingest.EventPublisher;
import io.streamtrain.ingest.FashionMnistIdx;
import io.streamtrain.ingest.FashionMnistIdx.Image;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.jobs.ContinuousLoop;
import io.streamtrain.core.Sessions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bytedeco.javacpp.Pointer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;


/**
 * {@code bench continuous}: runs {@code streamtrain continuous} in this process on a scratch warehouse and its own
 * embedded broker, while a publisher sends Fashion-MNIST training images with fresh ids and the current time as event
 * time at a steady rate. Fashion-MNIST's test images (the fixed test split) and a seed of training images are
 * published first, so that the first cycle has a model to train and every cycle the same test rows. At the
 * end it reads the {@code freshness} and {@code decisions} tables the loop wrote and prints staleness, scoring latency,
 * the longest gap between scoring micro-batches, promotions, forgetting and resident-memory growth.
 */
public final class ContinuousBench {

    private static final Duration RSS_EVERY = Duration.ofSeconds(10);

    private ContinuousBench() {
    }

    /**
     * @param rate    events per second
     * @param minutes how long the loop runs with events streaming in
     * @param seed    images published before the loop starts
     */
    public static String run(AppConfig config, Path data, int rate, int minutes, int seed) {
        List<Image> images = FashionMnistIdx.readImages(data.resolve("train-images-idx3-ubyte.gz"),
                data.resolve("train-labels-idx1-ubyte.gz"));
        String name = config.kafka().topic();
        int port = config.kafka().embeddedPort();
        HadoopFiles files = HadoopFiles.beforeSpark(config.spark());
        try {
            // Fashion-MNIST's own test images, under the ids preprocess pins to the test split: the fixed test set
            // every cycle's candidate and the champion are compared on.
            List<Image> test = FashionMnistIdx.readImages(data.resolve("t10k-images-idx3-ubyte.gz"),
                    data.resolve("t10k-labels-idx1-ubyte.gz"));
            try (KafkaConnection kafka = KafkaConnection.open(config.kafka(), config.warehouse())) {
                new EventPublisher(kafka).publish(ImageEvents.of(test, test.size(), "fmnist-test-", new AtomicLong()));
                new EventPublisher(kafka).publish(ImageEvents.of(images, seed, "seed-", new AtomicLong()));
            }
            AtomicBoolean publishing = new AtomicBoolean(true);
            AtomicLong published = new AtomicLong();
            List<long[]> rss = new CopyOnWriteArrayList<>();
            ExecutorService helpers = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "bench-continuous");
                t.setDaemon(true);
                return t;
            });
            long start = System.nanoTime();
            Future<?> publisher = helpers.submit(() -> publish("localhost:" + port, name, images, seed, rate,
                    publishing, published));
            helpers.submit(() -> sampleRss(start, rss, publishing));
            List<ContinuousLoop.Cycle> cycles;
            try {
                cycles = new ContinuousLoop(config, 0, Duration.ofMinutes(minutes), Clock.systemUTC()).run();
            } finally {
                publishing.set(false);
                helpers.shutdown();
            }
            awaitQuietly(publisher);
            return report(config, rate, minutes, seed, cycles, published.get(), rss);
        } finally {
            files.deleteRecursively(config.warehouse().root());
        }
    }

    /** The figures, from the tables the loop wrote. */
    private static String report(AppConfig config, int rate, int minutes, int seed, List<ContinuousLoop.Cycle> cycles,
                                 long published, List<long[]> rss) {
        SparkSession spark = Sessions.create(config.spark());
        try {
            // The table is small (a row per 10 s, per micro-batch and per cycle): read once, sorted by time.
            List<Row> freshness = spark.read().parquet(config.warehouse().table(Table.FRESHNESS))
                    .orderBy("measured_at").collectAsList();
            List<Row> scoring = kind(freshness, "scoring");
            List<Row> cycleRows = kind(freshness, "cycle");
            double[] staleness = doubles(kind(freshness, "staleness"), "staleness_s");
            double[] latencyP95 = doubles(scoring, "latency_p95_s");
            double gap = 0;
            for (int i = 1; i < scoring.size(); i++) {
                gap = Math.max(gap, (scoring.get(i).<Timestamp>getAs("measured_at").getTime()
                        - scoring.get(i - 1).<Timestamp>getAs("measured_at").getTime()) / 1e3);
            }
            long scored = scoring.stream().mapToLong(r -> r.<Long>getAs("records")).sum();
            List<Row> promoted = spark.read().parquet(config.warehouse().table(Table.DECISIONS))
                    .where("outcome = 'promoted'").orderBy("decided_at").collectAsList();
            double first = promoted.isEmpty() ? Double.NaN : promoted.get(0).<Double>getAs("candidate_value");
            double lowest = promoted.stream().mapToDouble(r -> r.<Double>getAs("candidate_value")).min()
                    .orElse(Double.NaN);
            String phases = String.format(Locale.ROOT, "preprocess:%.1f,train:%.1f,evaluate:%.1f,cycle:%.1f",
                    percentile(doubles(cycleRows, "preprocess_s"), 0.5), percentile(doubles(cycleRows, "train_s"), 0.5),
                    percentile(doubles(cycleRows, "evaluate_s"), 0.5), percentile(doubles(cycleRows, "cycle_s"), 0.5));
            long refused = cycles.stream().filter(c -> c.outcome() == ContinuousLoop.Cycle.Outcome.DATA_REFUSED).count();
            long rejected = cycles.stream().filter(c -> c.outcome() == ContinuousLoop.Cycle.Outcome.REJECTED).count();
            return String.format(Locale.ROOT, String.join("%n",
                    "bench continuous: %d events/s for %d minutes after a seed of %d training and the 10000 test images,"
                            + " %d cores, heap %s",
                    "staleness_p95_s=%.1f staleness_max_s=%.1f (%d measurements every 10 s, from the first champion on)",
                    "scoring_latency_p95_s=%.2f (95th percentile over %d micro-batches of each one's p95, event time to"
                            + " written score) scoring_gap_max_s=%.1f (longest time between two scoring micro-batches)",
                    "promotions=%d cycles=%d rejected=%d data_refused=%d published=%d scored=%d",
                    "cycle_phases_median_s=%s",
                    "first_champion_accuracy=%.4f lowest_promoted_accuracy=%.4f forgetting=%+.4f (lowest minus first)",
                    "rss_growth=%s",
                    "rss_breakdown=%s%n"),
                    rate, minutes, seed, Runtime.getRuntime().availableProcessors(), heap(),
                    percentile(staleness, 0.95), percentile(staleness, 1.0), staleness.length,
                    percentile(latencyP95, 0.95), latencyP95.length, gap,
                    promoted.size(), cycles.size(), rejected, refused, published, scored, phases,
                    first, lowest, lowest - first, rssGrowth(rss), rssBreakdown(rss));
        } finally {
            spark.stop();
        }
    }

    /**
     * Resident memory's growth: the median of the last 5 minutes' samples over the median of minutes 10 to 15, minus
     * 1; needs at least 15 minutes.
     */
    static String rssGrowth(List<long[]> samples) {
        if (samples.isEmpty() || samples.get(samples.size() - 1)[0] < TimeUnit.MINUTES.toMillis(15)) {
            return "n/a (needs --minutes 15 or more)";
        }
        long end = samples.get(samples.size() - 1)[0];
        double early = median(samples, TimeUnit.MINUTES.toMillis(10), TimeUnit.MINUTES.toMillis(15));
        double late = median(samples, end - TimeUnit.MINUTES.toMillis(5), end + 1);
        return String.format(Locale.ROOT, "%.3f (median RSS %.0f MB in the last 5 minutes, %.0f MB in minutes 10-15;"
                + " %d samples every 10 s)", late / early - 1, late / (1 << 20), early / (1 << 20), samples.size());
    }

    /**
     * What the resident memory is made of, each part's median in minutes 10-15 and in the last 5 minutes, in MB:
     * anonymous and file-backed resident pages (from {@code /proc/self/status}), and inside the JVM what it can name:
     * JavaCPP's native allocations (ND4J's arrays), metaspace, the code cache and NIO's direct buffers. Growth in the
     * anonymous pages that none of those shows is native memory no one here counts (glibc's arenas, JNI libraries).
     */
    static String rssBreakdown(List<long[]> samples) {
        if (samples.isEmpty() || samples.get(samples.size() - 1)[0] < TimeUnit.MINUTES.toMillis(15)) {
            return "n/a";
        }
        long end = samples.get(samples.size() - 1)[0];
        StringBuilder sb = new StringBuilder();
        for (int part = 0; part < RSS_PARTS.length; part++) {
            double early = median(samples, part + 1, TimeUnit.MINUTES.toMillis(10), TimeUnit.MINUTES.toMillis(15));
            double late = median(samples, part + 1, end - TimeUnit.MINUTES.toMillis(5), end + 1);
            sb.append(sb.length() == 0 ? "" : ",").append(String.format(Locale.ROOT, "%s:%.0f->%.0f", RSS_PARTS[part],
                    early / (1 << 20), late / (1 << 20)));
        }
        return sb.append(" (MB, median of minutes 10-15 -> of the last 5)").toString();
    }

    private static final String[] RSS_PARTS = {"rss", "anon", "file", "javacpp", "metaspace", "code_cache", "direct"};

    private static double median(List<long[]> samples, long fromMillis, long toMillis) {
        return median(samples, 1, fromMillis, toMillis);
    }

    private static double median(List<long[]> samples, int column, long fromMillis, long toMillis) {
        double[] in = samples.stream().filter(s -> s[0] >= fromMillis && s[0] < toMillis)
                .mapToDouble(s -> s[column]).sorted().toArray();
        return in.length == 0 ? Double.NaN : in[in.length / 2];
    }

    private static double percentile(double[] values, double p) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int at = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, at))];
    }

    private static List<Row> kind(List<Row> freshness, String kind) {
        return freshness.stream().filter(r -> kind.equals(r.getAs("kind"))).toList();
    }

    /** The column's values in the rows that have one. */
    private static double[] doubles(List<Row> rows, String column) {
        return rows.stream().filter(r -> !r.isNullAt(r.fieldIndex(column))).mapToDouble(r -> r.<Double>getAs(column))
                .toArray();
    }

    /**
     * -Xms, -Xmx and whether the heap's pages are touched at start, as the JVM was started: rss_growth is measured with
     * the heap fixed.
     */
    private static String heap() {
        List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-Xms") || a.startsWith("-Xmx") || a.equals("-XX:+AlwaysPreTouch")).toList();
        return flags.isEmpty() ? "default" : String.join(" ", flags);
    }

    /** Sends {@code rate} events a second, in tenths of a second, until told to stop. */
    private static void publish(String bootstrap, String topic, List<Image> images, int first, int rate,
                                AtomicBoolean publishing, AtomicLong published) {
        Map<String, Object> props = Map.of("bootstrap.servers", bootstrap, "acks", "all", "linger.ms", 20);
        awaitBroker(bootstrap, publishing);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer())) {
            long started = System.nanoTime();
            long n = 0;
            while (publishing.get()) {
                long due = (long) Math.floor((System.nanoTime() - started) / 1e9 * rate) + 1;
                for (; n < due && publishing.get(); n++) {
                    Image im = images.get((int) ((first + n) % images.size()));
                    String id = "live-" + n;
                    producer.send(new ProducerRecord<>(topic, id, FashionMnistIdx.toJson(id,
                            System.currentTimeMillis(), im.label(), im.pixels())));
                    published.incrementAndGet();
                }
                sleep(100);
            }
        }
    }

    /** Waits until the loop's embedded broker accepts connections on its port. */
    private static void awaitBroker(String bootstrap, AtomicBoolean publishing) {
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        while (publishing.get()) {
            try (Socket s = new Socket("localhost", port)) {
                return;
            } catch (IOException e) {
                sleep(500);
            }
        }
    }

    /** Resident memory every 10 s: milliseconds since start, then bytes of each of {@link #RSS_PARTS}. */
    private static void sampleRss(long start, List<long[]> samples, AtomicBoolean running) {
        while (running.get()) {
            Map<String, Long> status = status("VmRSS:", "RssAnon:", "RssFile:");
            samples.add(new long[]{(System.nanoTime() - start) / 1_000_000, status.get("VmRSS:"),
                    status.get("RssAnon:"), status.get("RssFile:"), Pointer.totalBytes(), pool("Metaspace"),
                    pool("CodeHeap"), direct()});
            sleep(RSS_EVERY.toMillis());
        }
    }

    /** The named lines of {@code /proc/self/status}, in bytes (0 for one the kernel does not print). */
    private static Map<String, Long> status(String... keys) {
        Map<String, Long> out = new HashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                for (String key : keys) {
                    if (line.startsWith(key)) {
                        out.put(key, Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String key : keys) {
            out.putIfAbsent(key, 0L);
        }
        return out;
    }

    /** Bytes used by the JVM's memory pools whose name starts with {@code prefix}. */
    private static long pool(String prefix) {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getName().startsWith(prefix))
                .mapToLong(p -> p.getUsage().getUsed()).sum();
    }

    private static long direct() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    /** A port free now, for the loop's embedded broker: the publisher must know where to send. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void awaitQuietly(Future<?> f) {
        try {
            f.get(1, TimeUnit.MINUTES);
        } catch (Exception e) {
            // The publisher's end does not change the figures the tables hold.
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
