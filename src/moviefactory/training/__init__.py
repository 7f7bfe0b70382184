"""Training the paper's video model on accelerate (section 2.2 and 3).

    stage1_spatial.py   `moviefactory train spatial`: spatial adapters + domain norms on frames of several
                        datasets at once, each sample tagged with its dataset's domain
    stage2_temporal.py  `moviefactory train temporal`: temporal layers only, 16-frame clips at 8 fps, WebVid norms
    stage3_movie.py     `moviefactory train movie`: spatial adapters again, on movie clips; temporal layers frozen
    loop.py             the shared loop (TrainConfig, Trainer, train), checkpoints, EMA, mixed precision
    data.py             WebVid-style CSV + video folder, folders of clip.mp4 + clip.txt; PyAV decoding
    cli.py              the `train` subcommands (stdlib only at import)

Nothing heavy is imported at package import time.
"""
