import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";

interface Options {
  widths: number[];
  format: "webp" | "avif" | "jpeg";
  quality: number;
}

const IMAGE = /\.(jpe?g|png|tiff?|webp)$/i;

export async function optimizeFolder(input: string, output: string, options: Options): Promise<number> {
  await mkdir(output, { recursive: true });
  let written = 0;
  for (const name of await readdir(input)) {
    if (!IMAGE.test(name)) continue;
    const base = path.parse(name).name;
    for (const width of options.widths) {
      // rotate() applies the EXIF orientation before the metadata is stripped.
      await sharp(path.join(input, name))
        .rotate()
        .resize({ width, withoutEnlargement: true })
        .toFormat(options.format, { quality: options.quality })
        .toFile(path.join(output, `${base}-${width}.${options.format}`));
      written++;
    }
  }
  return written;
}

function parseArgs(argv: string[]): { input: string; output: string; options: Options } {
  const [input, output] = argv;
  const get = (flag: string, fallback: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  return {
    input,
    output,
    options: {
      widths: get("--widths", "480,960,1440").split(",").map(Number),
      format: get("--format", "webp") as Options["format"],
      quality: Number(get("--quality", "70")),
    },
  };
}

const { input, output, options } = parseArgs(process.argv.slice(2));
optimizeFolder(input, output, options).then((n) => console.log(`${n} images written`));
