package io.streamtrain.ingest;

import java.util.Iterator;

/** An input that knows how many records it yields in all, so produce can say how long it has left. */
interface Sized {

    /** The records yielded in all, from the first. */
    long size();

    /** An iterator of events that knows its size. */
    interface Events extends Iterator<Event>, Sized {
    }
}
