package io.streamtrain.jobs.bench;

import io.streamtrain.ingest.Event;
import io.streamtrain.ingest.FashionMnistIdx;
import io.streamtrain.ingest.FashionMnistIdx.Image;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicLong;

/** The benchmarks' events: Fashion-MNIST images as JSON records with ids of their own, stamped with one event time. */
final class ImageEvents {

    private ImageEvents() {
    }

    /**
     * {@code count} records with ids {@code prefix0, prefix1, ...}, cycling through {@code images}, each stamped now;
     * adds each record's JSON bytes to {@code jsonBytes}.
     */
    static Iterator<Event> of(List<Image> images, int count, String prefix, AtomicLong jsonBytes) {
        long ts = System.currentTimeMillis();
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < count;
            }

            @Override
            public Event next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Image im = images.get(next % images.size());
                String id = prefix + next++;
                byte[] json = FashionMnistIdx.toJson(id, ts, im.label(), im.pixels());
                jsonBytes.addAndGet(json.length);
                return new Event(id, json);
            }
        };
    }
}
