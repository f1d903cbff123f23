package dev.internvl.cli;

import dev.internvl.model.ComputeDType;
import dev.internvl.model.Decoder;
import dev.internvl.model.InternVLModel;
import dev.internvl.model.KvCache;
import dev.internvl.model.ModelOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code logits}: last-position logits of the decoder for a list of token ids. */
@Command(name = "logits", description = "Decoder last-position logits for token ids (loads only language_model.*).")
final class LogitsCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Checkpoint folder, or Hugging Face model id "
            + "(org/name[@revision]) downloaded into the Hugging Face cache.")
    ModelLocation model;

    @Option(names = "--ids", required = true, split = ",", description = "Comma-separated token ids.")
    long[] ids;

    @Option(names = "--out", required = true, description = "Output .npy [vocab] float32.")
    Path out;

    @Option(names = "--dtype", defaultValue = "fp32", description = "Compute dtype: bf16, fp16, fp32 (default fp32).")
    String dtype;

    @Override
    public Integer call() throws Exception {
        if (ids.length == 0) {
            throw new IllegalArgumentException("--ids is empty");
        }
        ModelOptions opts = ModelOptions.defaults().withDtype(ComputeDType.parse(dtype)).languageOnly();
        try (InternVLModel m = InternVLModel.load(model.dir(), opts)) {
            Decoder decoder = m.decoder();
            try (KvCache cache = decoder.newCache(1, ids.length)) {
                float[] logits = decoder.forward(ids, cache);
                Npy.write(out, logits, logits.length);
            }
        }
        return 0;
    }
}
