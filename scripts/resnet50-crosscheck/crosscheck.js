// Runs the TensorFlow.js layers model in MODEL_DIR (model.json + shards) with the pure-JavaScript
// @tensorflow/tfjs package (CPU backend, no native binary) on preprocessed inputs and writes the
// global-average-pool features and the fc1000 logits (its softmax removed) as JSON.
//
//   node crosscheck.js MODEL_DIR INPUTS.json OUT.json
//
// INPUTS.json: [{"name": ..., "source": ..., "file": "x.f32"}], each file holding 224×224×3
// little-endian float32 values (NHWC, BGR, ImageNet means subtracted), relative to INPUTS.json.
// The tfjs package is found through NODE_PATH.
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

async function main() {
  const [modelDir, inputsPath, outPath] = process.argv.slice(2);
  const mj = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8'));
  // Logits: the same model with fc1000's softmax replaced by the identity.
  for (const l of mj.modelTopology.model_config.config.layers) {
    if (l.name === 'fc1000') l.config.activation = 'linear';
  }
  const specs = [];
  const bufs = [];
  for (const g of mj.weightsManifest) {
    specs.push(...g.weights);
    for (const p of g.paths) bufs.push(fs.readFileSync(path.join(modelDir, p)));
  }
  const all = Buffer.concat(bufs);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const handler = {
    load: async () => ({
      modelTopology: mj.modelTopology,
      weightSpecs: specs,
      weightData: weightData,
      format: mj.format,
      generatedBy: mj.generatedBy,
      convertedBy: mj.convertedBy,
    }),
  };
  await tf.setBackend('cpu');
  const model = await tf.loadLayersModel(handler);
  const two = tf.model({
    inputs: model.inputs,
    outputs: [model.getLayer('avg_pool').output, model.getLayer('fc1000').output],
  });
  const inputs = JSON.parse(fs.readFileSync(inputsPath, 'utf8'));
  const out = {
    generator: 'scripts/resnet50-crosscheck (@tensorflow/tfjs ' + tf.version.tfjs + ', backend ' + tf.getBackend() + ')',
    model: mj.generatedBy + ', ' + (mj.convertedBy || ''),
    inputs: [],
  };
  for (const inp of inputs) {
    const b = fs.readFileSync(path.join(path.dirname(inputsPath), inp.file));
    const x = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    if (x.length !== 224 * 224 * 3) throw new Error(inp.file + ': ' + x.length + ' values, want 224*224*3');
    const t0 = Date.now();
    const [f, l] = two.predict(tf.tensor4d(x, [1, 224, 224, 3]));
    const features = Array.from(await f.data());
    const logits = Array.from(await l.data());
    console.error(inp.name + ': ' + (Date.now() - t0) + ' ms, top-1 ' + logits.indexOf(Math.max(...logits)));
    out.inputs.push({name: inp.name, source: inp.source, features: features, logits: logits});
  }
  fs.writeFileSync(outPath, JSON.stringify(out));
}

main().catch((e) => {
  console.error('crosscheck.js: ' + e.message);
  process.exit(1);
});
