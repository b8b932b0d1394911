// Package models builds the networks of the paper as GoMLX graphs: VGG4 (three input variants),
// ResNet-18 (CIFAR and STL stems) and a linear classifier for fixed features.
//
// Every model is a [ModelFn]: it maps a batch x to logits z of shape [B, K], where K is
// Config.Clusters. Images are channels-last ([B, H, W, C]); features are [B, D] (or any shape whose
// trailing dimensions multiply to D).
//
// Training mode follows the GoMLX convention: ctx.IsTraining(g) (set with ctx.SetTraining) makes batch
// norm normalise with batch statistics and update its running averages; otherwise the running
// averages are used.
//
// Variables live under two scopes below the context the model is called with: BackboneScope for the
// feature extractor and HeadScope for the final linear layer, so that callers can give them separate
// learning rates. Running statistics of batch norm are non-trainable variables.
//
// Variable names (scope/name), with the matching PyTorch (SCAN / torchvision) state_dict key:
//
//	resnet18: /backbone/conv1/weights             backbone.conv1.weight
//	          /backbone/bn1/{gamma,beta,running_mean,running_var}
//	                                              backbone.bn1.{weight,bias,running_mean,running_var}
//	          /backbone/layerS/I/{conv1,bn1,conv2,bn2}/...            backbone.layerS.I.{conv1,...}
//	          /backbone/layerS/I/{shortcut_conv,shortcut_bn}/...      backbone.layerS.I.shortcut.{0,1}
//	          /head/{weights,biases}              the head's weight, bias
//	vgg4:     /backbone/blockN/{conv,bn}/..., /head/{weights,biases}
//	linear:   /head/{weights,biases}
//
// Layouts differ from PyTorch: convolution kernels are [kh, kw, C_in, C_out] (PyTorch
// [C_out, C_in, kh, kw]) and linear weights are [D, K] (PyTorch [K, D]).
//
// Initialisation (PyTorch defaults, so that runs are comparable with the reference implementations):
//   - convolution kernels (HWIO) and the VGG4/ResNet-18 heads: U(−b, b) with b = 1/√fan_in, which is
//     PyTorch's kaiming_uniform_(a=√5); fan_in = kh·kw·C_in for kernels, D for linear weights;
//   - linear-layer biases of those heads: U(−b, b), b = 1/√fan_in (PyTorch nn.Linear default);
//   - convolutions that feed a batch norm have no bias (IIC VGG trunk, torchvision/SCAN ResNet);
//   - batch norm: γ = 1, β = 0, running mean 0, running variance 1;
//   - the "linear" model (the paper's Table 2): Kaiming normal, fan_in mode, ReLU gain √2, i.e.
//     W ~ N(0, 2/D) (PyTorch kaiming_normal_ defaults), and zero bias.
package models
