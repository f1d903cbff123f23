package dev.internvl;

import dev.internvl.image.ImagePreprocessor;
import dev.internvl.image.PreprocessedImage;
import dev.internvl.model.Decoder;
import dev.internvl.model.KvCache;
import dev.internvl.model.VisionEmbeddings;
import dev.internvl.text.ChatPrompt;
import java.util.List;

/** Teacher-forced comparison of two engines' logits along the first engine's greedy path. */
final class Bf16VsFp32Probe {

    /** Per step: max |logit difference|, fp32 margin between its top two, and whether both argmaxes agree. */
    record Step(float maxDiff, float margin, boolean sameArgmax) {
    }

    static List<Step> compare(InternVL reference, InternVL other, int seed, int steps) {
        PreprocessedImage img = new ImagePreprocessor(reference.preprocessOptions().withMaxTiles(6))
                .preprocess(InternVLEndToEndTest.picture(seed));
        ChatPrompt p = reference.prompts().chat(List.of(), "Describe the image.", List.of(img.numTiles()));
        long[] ids = reference.tokenizer().encode(p.text());
        long ctx = reference.tokenizer().requireTokenId("<IMG_CONTEXT>");
        java.util.ArrayList<Step> out = new java.util.ArrayList<>();
        Decoder a = reference.model().decoder();
        Decoder b = other.model().decoder();
        try (VisionEmbeddings ea = reference.model().encodeImages(img.pixelValues(), img.numTiles());
                VisionEmbeddings eb = other.model().encodeImages(img.pixelValues(), img.numTiles());
                KvCache ca = a.newCache(1, ids.length + steps); KvCache cb = b.newCache(1, ids.length + steps)) {
            float[] la = a.forward(new long[][] {ids}, ea, ctx, ca, 0, new boolean[] {true})[0];
            float[] lb = b.forward(new long[][] {ids}, eb, ctx, cb, 0, new boolean[] {true})[0];
            for (int s = 0; s < steps; s++) {
                int top = 0;
                int second = -1;
                for (int i = 1; i < la.length; i++) {
                    if (la[i] > la[top]) {
                        second = top;
                        top = i;
                    } else if (second < 0 || la[i] > la[second]) {
                        second = i;
                    }
                }
                int topB = 0;
                float diff = 0;
                for (int i = 0; i < lb.length; i++) {
                    topB = lb[i] > lb[topB] ? i : topB;
                    diff = Math.max(diff, Math.abs(la[i] - lb[i]));
                }
                out.add(new Step(diff, la[top] - la[second], top == topB));
                la = a.forward(new long[] {top}, ca);
                lb = b.forward(new long[] {top}, cb);
            }
        }
        return out;
    }
}
