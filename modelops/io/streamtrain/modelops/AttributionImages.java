package io.streamtrain.modelops;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * PNG overlays of attribution maps on their images, drawn with java.awt (headless): the grey image with the map's
 * magnitude in red on top, each map normalised to its own 99th percentile of |attribution|.
 */
public final class AttributionImages {

    private static final int ZOOM = 6;
    private static final int CAPTION = 16;

    /**
     * @param height image rows
     * @param width  image columns
     * @param channels image channels (averaged for display)
     */
    public record Geometry(int height, int width, int channels) {
        /** The image geometry for {@code features} values; a square-ish strip when the settings do not match. */
        public static Geometry of(int height, int width, int channels, int features) {
            if ((long) height * width * channels == features) {
                return new Geometry(height, width, channels);
            }
            int w = (int) Math.ceil(Math.sqrt(features));
            return new Geometry((features + w - 1) / w, w, 1);
        }
    }

    private AttributionImages() {
    }

    /**
     * One row of panels: the image, then each map over it.
     *
     * @param pixels   the unscaled image, in [min, max]
     * @param maps     attribution maps, one per panel after the image
     * @param captions one caption per panel, the image's first
     */
    public static byte[] panels(float[] pixels, double min, double max, List<float[]> maps, List<String> captions,
                                Geometry g) {
        int pw = g.width() * ZOOM;
        int ph = g.height() * ZOOM;
        BufferedImage out = new BufferedImage(pw * (maps.size() + 1), ph + CAPTION, BufferedImage.TYPE_INT_RGB);
        Graphics2D gr = canvas(out);
        draw(out, 0, grey(pixels, min, max, g), null, g);
        for (int m = 0; m < maps.size(); m++) {
            draw(out, (m + 1) * pw, grey(pixels, min, max, g), normalised(maps.get(m), g), g);
        }
        caption(gr, captions, pw, ph);
        gr.dispose();
        return png(out);
    }

    /** A grid: per row a method, per column a class, each cell the mean normalised map over the class's mean image. */
    public static byte[] grid(List<String> rowNames, List<String> classNames, float[][][] meanMaps, float[][] meanImages,
                              double min, double max, Geometry g) {
        int pw = g.width() * ZOOM;
        int ph = g.height() * ZOOM + CAPTION;
        int left = 110;
        BufferedImage out = new BufferedImage(left + pw * classNames.size(), ph * rowNames.size(),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D gr = canvas(out);
        for (int r = 0; r < rowNames.size(); r++) {
            gr.setColor(Color.BLACK);
            gr.drawString(rowNames.get(r), 4, r * ph + ph / 2);
            for (int c = 0; c < classNames.size(); c++) {
                if (meanImages[c] == null) {
                    continue;
                }
                drawAt(out, left + c * pw, r * ph, grey(meanImages[c], min, max, g), normalised(meanMaps[r][c], g), g);
                gr.setColor(Color.BLACK);
                gr.drawString(shorten(classNames.get(c)), left + c * pw + 2, r * ph + ph - 4);
            }
        }
        gr.dispose();
        return png(out);
    }

    /** |map| over the map's 99th percentile of |map|, clipped to [0, 1], averaged over channels. */
    static float[] normalised(float[] map, Geometry g) {
        int pixels = g.height() * g.width();
        float[] a = new float[pixels];
        for (int i = 0; i < map.length; i++) {
            a[pixelOf(i, g)] += Math.abs(map[i]) / g.channels();
        }
        float[] sorted = a.clone();
        Arrays.sort(sorted);
        float p99 = sorted[Math.min(sorted.length - 1, (int) Math.floor(0.99 * (sorted.length - 1)))];
        float scale = p99 > 0 ? p99 : sorted[sorted.length - 1];
        for (int i = 0; i < a.length; i++) {
            a[i] = scale > 0 ? Math.min(1f, a[i] / scale) : 0f;
        }
        return a;
    }

    private static float[] grey(float[] pixels, double min, double max, Geometry g) {
        int n = g.height() * g.width();
        float[] out = new float[n];
        for (int i = 0; i < pixels.length; i++) {
            out[pixelOf(i, g)] += (float) ((pixels[i] - min) / (max - min)) / g.channels();
        }
        return out;
    }

    /** Features are channel after channel, each row-major (DL4J's flat convolution input, reshaped to NCHW). */
    private static int pixelOf(int feature, Geometry g) {
        return feature % (g.height() * g.width());
    }

    private static void draw(BufferedImage out, int x0, float[] grey, float[] heat, Geometry g) {
        drawAt(out, x0, 0, grey, heat, g);
    }

    private static void drawAt(BufferedImage out, int x0, int y0, float[] grey, float[] heat, Geometry g) {
        for (int y = 0; y < g.height(); y++) {
            for (int x = 0; x < g.width(); x++) {
                int p = y * g.width() + x;
                float v = Math.max(0, Math.min(1, grey[p]));
                float r = v;
                float gg = v;
                float b = v;
                if (heat != null) {
                    float alpha = 0.8f * heat[p];
                    r = (1 - alpha) * v * 0.6f + alpha;
                    gg = (1 - alpha) * v * 0.6f;
                    b = (1 - alpha) * v * 0.6f;
                }
                int rgb = new Color(r, gg, b).getRGB();
                for (int dy = 0; dy < ZOOM; dy++) {
                    for (int dx = 0; dx < ZOOM; dx++) {
                        out.setRGB(x0 + x * ZOOM + dx, y0 + y * ZOOM + dy, rgb);
                    }
                }
            }
        }
    }

    private static Graphics2D canvas(BufferedImage out) {
        Graphics2D gr = out.createGraphics();
        gr.setColor(Color.WHITE);
        gr.fillRect(0, 0, out.getWidth(), out.getHeight());
        gr.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        gr.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        return gr;
    }

    private static void caption(Graphics2D gr, List<String> captions, int pw, int ph) {
        gr.setColor(Color.BLACK);
        for (int i = 0; i < captions.size(); i++) {
            gr.drawString(captions.get(i), i * pw + 2, ph + CAPTION - 4);
        }
    }

    private static String shorten(String s) {
        return s.length() <= 12 ? s : s.substring(0, 11) + ".";
    }

    private static byte[] png(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
