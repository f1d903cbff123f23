/**
 * Models from the Hugging Face hub: {@link dev.internvl.hub.ModelDownloader} fetches the files of a checkpoint that
 * the engine reads into the hub cache that Python's {@code huggingface_hub} uses ({@link dev.internvl.hub.HubCache}),
 * resumable, checked and locked, and returns the snapshot folder to load; {@link dev.internvl.hub.HubSettings} reads
 * {@code HF_ENDPOINT}, {@code HF_HUB_CACHE}/{@code HF_HOME}, {@code HF_TOKEN} and {@code HF_HUB_OFFLINE};
 * {@link dev.internvl.hub.DownloadProgress} and {@link dev.internvl.hub.ProgressLog} report progress.
 */
package dev.internvl.hub;
