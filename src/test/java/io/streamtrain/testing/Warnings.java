package io.streamtrain.testing;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The warnings one class logs while it is open: what a test of "NaN and a warning" checks. */
public final class Warnings extends AbstractAppender implements AutoCloseable {

    private final List<String> messages = new CopyOnWriteArrayList<>();
    private final Logger logger;

    private Warnings(Class<?> source) {
        super("warnings-" + source.getSimpleName(), null, null, true, Property.EMPTY_ARRAY);
        this.logger = ((LoggerContext) LogManager.getContext(false)).getLogger(source.getName());
    }

    public static Warnings of(Class<?> source) {
        Warnings w = new Warnings(source);
        w.start();
        w.logger.addAppender(w);
        return w;
    }

    @Override
    public void append(LogEvent event) {
        if (event.getLevel().isMoreSpecificThan(Level.WARN)) {
            messages.add(event.getMessage().getFormattedMessage());
        }
    }

    public List<String> messages() {
        return List.copyOf(messages);
    }

    @Override
    public void close() {
        logger.removeAppender(this);
        stop();
    }
}
