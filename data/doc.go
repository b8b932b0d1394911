// Package data reads the image and feature datasets that cct clusters, and fetches the public ones
// into a local data folder.
//
// A dataset is named by a string:
//
//	mnist, fashion-mnist           28×28×1, 10 classes, IDX files (train 60,000, test 10,000)
//	cifar10                        32×32×3, 10 classes, CIFAR binary records (train 50,000, test 10,000)
//	cifar100                       32×32×3, the 100 fine CIFAR-100 labels
//	cifar100-20                    32×32×3, the 20 coarse CIFAR-100 superclasses (first byte of a record)
//	stl10                          96×96×3, 10 classes (train 5,000, test 8,000, unlabeled 100,000)
//	imagefolder:DIR[,opts]         PNG/JPEG files under DIR (see LoadImageFolder)
//	features:FILE[,opts]           an N×D .npy or .csv feature matrix (see LoadFeatures)
//
// A split is train, test, unlabeled (STL-10 only), all (= train+test), or several of these joined by
// '+', e.g. train+unlabeled. Images are stored as one NHWC uint8 slice; labels are class indices, -1
// where unknown.
//
// The built-in datasets live in sub-folders of a data folder (see Dir): mnist/, fashion-mnist/,
// cifar10/cifar-10-batches-bin/, cifar100/cifar-100-binary/ (shared by cifar100 and cifar100-20) and
// stl10/stl10_binary/. Get fills them.
package data
