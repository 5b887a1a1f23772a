"""nn: modules, losses, initialization, data loading and training on top of autograd_core, with
torch.nn's names, defaults and behaviour, so PyTorch code ports by changing the imports.

    import nn
    import nn.functional as F
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
"""

from autograd_core.anomaly import register_library_package

register_library_package("nn")  # anomaly reports point past nn's frames to the user's line

from .module import IncompatibleKeys, Module, RemovableHandle
from .parameter import Parameter
from .layers import (
    ELU, GRU, SELU, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, BatchNorm1d,
    BatchNorm2d, BCELoss, BCEWithLogitsLoss, ContrastiveLoss, Conv1d, Conv2d, CrossEntropyLoss,
    Dropout, Embedding, Flatten, GRUCell, Hardtanh, HuberLoss, Identity, KLDivLoss, L1Loss,
    LayerNorm, LeakyReLU, Linear, LogSigmoid, LogSoftmax, MaxPool1d, MaxPool2d, ModuleDict,
    ModuleList, MSELoss, MultiMarginLoss, NLLLoss, ParameterList, PReLU, ReLU, ReLU6,
    Sequential, Sigmoid, SiLU, SmoothL1Loss, Softmax, Softplus, Softsign, Tanh, Unflatten,
)
from .layers import Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .layers import (
    AdaptiveMaxPool1d, AdaptiveMaxPool2d, LPPool1d, LPPool2d, MaxUnpool1d, MaxUnpool2d,
)
from .layers import (
    CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d, ConstantPad3d,
    ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d, ReplicationPad2d,
    ReplicationPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d,
)
from .layers import (
    PixelShuffle, PixelUnshuffle, Upsample, UpsamplingBilinear2d, UpsamplingNearest2d,
)
from .layers import Fold, Unfold
from .layers import EmbeddingBag
from .layers import (
    CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss, MarginRankingLoss,
    MultiLabelMarginLoss, MultiLabelSoftMarginLoss, PoissonNLLLoss, SoftMarginLoss,
    TripletMarginLoss, TripletMarginWithDistanceLoss,
)
from .layers import (
    CELU, GELU, GLU, Hardshrink, Hardsigmoid, Hardswish, Mish, RReLU, Softshrink, Tanhshrink,
)
from .layers import (
    GroupNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LocalResponseNorm, RMSNorm,
)
from .layers import LSTM, RNN, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .layers import (
    MultiheadAttention, Transformer, TransformerDecoder, TransformerDecoderLayer,
    TransformerEncoder, TransformerEncoderLayer,
)
from .layers import Softmax2d, Softmin, Threshold
from .layers import CosineSimilarity, PairwiseDistance
from .layers import AlphaDropout, Dropout1d, Dropout2d, FeatureAlphaDropout
from .layers import Bilinear
from . import functional, init, utils
from .models import MLP, Autoencoder
from . import datasets
from . import data
from .checkpoint import load, save
from .training import Trainer, fit

__version__ = "0.1.0"
