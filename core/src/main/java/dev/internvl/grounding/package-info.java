/**
 * Grounding and OCR on top of the engine: prompts that make InternVL answer with boxes or text, a strict parser
 * for its {@code <ref>label</ref><box>[[x1, y1, x2, y2]]</box>} answers (0-1000 coordinates of the original
 * image), and {@link dev.internvl.grounding.VisionTasks}, the calls tools and endpoints make.
 *
 * <pre>{@code
 * RgbImage image = ImageDecoder.decode(Path.of("street.jpg"));
 * GroundingResult r = VisionTasks.ground(engine, image, "the red car");
 * for (BoundingBox b : r.boxes()) {
 *     System.out.printf("%.1f %.1f %.1f %.1f%n", b.x1(), b.y1(), b.x2(), b.y2());   // pixels of street.jpg
 * }
 * GroundingResult parsed = GroundingParser.parse(modelText, image.width(), image.height());
 * }</pre>
 */
package dev.internvl.grounding;
