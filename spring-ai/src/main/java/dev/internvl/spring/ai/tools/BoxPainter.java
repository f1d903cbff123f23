package dev.internvl.spring.ai.tools;

import dev.internvl.grounding.BoundingBox;
import dev.internvl.image.RgbImage;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Draws boxes and their labels on a copy of an image: rectangle outlines in a cycle of distinct colours, each label
 * on a filled tag of its box's colour above the box (inside it when there is no room above). Labels need fonts; on
 * a JVM without any, the boxes are drawn without them.
 */
final class BoxPainter {

    /** Outline colours, box i gets {@code PALETTE[i % 8]}. */
    static final Color[] PALETTE = {
        new Color(230, 25, 75), new Color(60, 180, 75), new Color(0, 130, 200), new Color(245, 130, 48),
        new Color(145, 30, 180), new Color(70, 240, 240), new Color(240, 50, 230), new Color(255, 225, 25),
    };

    private BoxPainter() {
    }

    /** A labelled box in pixels. */
    record Labelled(BoundingBox box, String label) {
    }

    /** The result: the new pixels, and whether labels could be drawn. */
    record Painted(RgbImage image, boolean labelsDrawn) {
    }

    /** Line width for an image: 2 pixels, thicker for large images (a 1/250 of the shorter side). */
    static int lineWidth(int width, int height) {
        return Math.max(2, Math.round(Math.min(width, height) / 250f));
    }

    static Painted paint(RgbImage source, List<Labelled> boxes) {
        BufferedImage canvas = ImageEncoding.toBufferedImage(source);
        Graphics2D g = canvas.createGraphics();
        boolean labelsDrawn = true;
        try {
            int line = lineWidth(source.width(), source.height());
            g.setStroke(new BasicStroke(line, BasicStroke.CAP_SQUARE, BasicStroke.JOIN_MITER));
            for (int i = 0; i < boxes.size(); i++) {
                BoundingBox b = boxes.get(i).box();
                g.setColor(PALETTE[i % PALETTE.length]);
                int x1 = (int) Math.round(b.x1());
                int y1 = (int) Math.round(b.y1());
                int x2 = (int) Math.round(b.x2());
                int y2 = (int) Math.round(b.y2());
                // the outline lies inside the box, so that boxes on the image's border stay visible
                int inset = line / 2;
                g.drawRect(x1 + inset, y1 + inset, Math.max(0, x2 - x1 - line), Math.max(0, y2 - y1 - line));
            }
            labelsDrawn = drawLabels(g, source, boxes);
        } finally {
            g.dispose();
        }
        return new Painted(ImageEncoding.fromIntRgb(canvas), labelsDrawn);
    }

    private static boolean drawLabels(Graphics2D g, RgbImage source, List<Labelled> boxes) {
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            int size = Math.max(10, Math.min(source.width(), source.height()) / 40);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, size));
            FontMetrics m = g.getFontMetrics();
            for (int i = 0; i < boxes.size(); i++) {
                String label = boxes.get(i).label();
                if (label == null || label.isBlank()) {
                    continue;
                }
                String text = label.strip().length() > 60 ? label.strip().substring(0, 57) + "..." : label.strip();
                BoundingBox b = boxes.get(i).box();
                int w = m.stringWidth(text) + 6;
                int h = m.getHeight() + 2;
                int x = (int) Math.round(b.x1());
                int y = (int) Math.round(b.y1()) - h;
                if (y < 0) {
                    y = (int) Math.round(b.y1());
                }
                x = Math.max(0, Math.min(x, source.width() - w));
                Color c = PALETTE[i % PALETTE.length];
                g.setColor(c);
                g.fillRect(x, y, w, h);
                double luma = 0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue();
                g.setColor(luma > 150 ? Color.BLACK : Color.WHITE);
                g.drawString(text, x + 3, y + 1 + m.getAscent());
            }
            return true;
        } catch (RuntimeException | Error e) {
            // headless JVMs without fonts fail here (no fontconfig, no font files): keep the boxes
            if (e instanceof VirtualMachineError vme) {
                throw vme;
            }
            return false;
        }
    }
}
