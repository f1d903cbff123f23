/**
 * InternVL image preprocessing that reproduces the official Python code (Pillow 9.4, torchvision) exactly.
 *
 * <p>Typical use:
 * <pre>{@code
 * RgbImage image = ImageDecoder.decode(path);                   // Image.open(f).convert('RGB')
 * PreprocessedImage input = new ImagePreprocessor(PreprocessOptions.DEFAULT).preprocess(image);
 * float[] pixelValues = input.pixelValues();                     // [numTiles, 3, 448, 448]
 * }</pre>
 *
 * <p>{@link dev.internvl.image.DynamicTiling} picks the tile grid, {@link dev.internvl.image.PillowResize} resizes
 * with Pillow's BICUBIC filter byte for byte and {@link dev.internvl.image.TileNormalizer} normalizes bit for bit;
 * {@link dev.internvl.image.ImageDecoder} documents which inputs decode exactly as Pillow decodes them.
 */
package dev.internvl.image;
