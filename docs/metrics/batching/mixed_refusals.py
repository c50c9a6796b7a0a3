"""Batched quick endpoints with refused calls among good ones, on a running studio (loopback only, bounded).

    python app.py &                                                   # the studio on 127.0.0.1:7860
    python docs/metrics/batching/mixed_refusals.py [URL] [SECONDS]    # 10 good clients + 3 bad ones, 10 s

Good clients call /gan_generate and /vae_decode back to back; bad ones cycle through refused payloads of the
Hosting probes (a text seed, a seed past 2**53, an unknown class, too few values, a text latent, an
infinite latent, a path that was not uploaded, a URL). Prints one JSON object: calls per kind, good calls
that failed (should be 0) and each refusal's sentence with its count. Results are in the README (Batching).
"""
import collections
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from genart.bench.loadtest import RawClient

GAN, VAE = "gan/fashion", "vae/fashion"
BAD = [("/gan_generate", ["abc", "any", 1.0, GAN]), ("/gan_generate", [2 ** 70, "any", 1.0, GAN]),
       ("/gan_generate", [1, "Nope", 1.0, GAN]), ("/gan_generate", [1]),
       ("/vae_decode", ["hello", VAE]), ("/vae_decode", ["[1e999]", VAE]), ("/vae_decode", []),
       ("/classify", [{"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}]),
       ("/classify", [{"path": None, "url": "/etc/hostname"}]), ("/classify", ["abc"])]


def main(url: str, seconds: float) -> dict:
    z = RawClient(url).call("/vae_random", [0, VAE])[1]
    tally, said, lock = collections.Counter(), collections.Counter(), threading.Lock()
    stop = time.monotonic() + seconds

    def client(i: int, good: bool):
        c, k = RawClient(url), i
        while time.monotonic() < stop:
            if good:
                api, data = (("/gan_generate", [i * 1000 + k, "any", 1.0, GAN]) if i % 2 else
                             ("/vae_decode", [[v + 0.01 * ((i + k) % 7) for v in z], VAE]))
            else:
                api, data = BAD[k % len(BAD)]
            try:
                c.call(api, data)
                key = "good_ok" if good else "bad_answered"
            except RuntimeError as e:
                key = "good_failed" if good else "bad_refused"
                with lock:
                    said[("GOOD FAILED: " if good else f"{api}: ") + str(e)[:110]] += 1
            k += 1
            with lock:
                tally[key] += 1

    threads = [threading.Thread(target=client, args=(i, True)) for i in range(10)]
    threads += [threading.Thread(target=client, args=(i, False)) for i in range(3)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return {"calls": dict(tally), "sentences": dict(said.most_common())}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:7860/",
                          float(sys.argv[2]) if len(sys.argv) > 2 else 10.0), indent=1))
