"""The layer modules, one file per family."""

from .activation import (
    ELU, SELU, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, PReLU, ReLU, ReLU6, Sigmoid, SiLU,
    Softmax, Softplus, Softsign, Tanh,
)
from .activation import (
    CELU, GELU, GLU, Hardshrink, Hardsigmoid, Hardswish, Mish, RReLU, Softshrink, Tanhshrink,
)
from .container import ModuleDict, ModuleList, ParameterList, Sequential
from .conv import Conv1d, Conv2d
from .conv import Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .dropout import Dropout
from .embedding import Embedding
from .embedding import EmbeddingBag
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear
from .loss import (
    BCELoss, BCEWithLogitsLoss, ContrastiveLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,
    MSELoss, MultiMarginLoss, NLLLoss, SmoothL1Loss,
)
from .loss import (
    CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss, MarginRankingLoss,
    MultiLabelMarginLoss, MultiLabelSoftMarginLoss, PoissonNLLLoss, SoftMarginLoss,
    TripletMarginLoss, TripletMarginWithDistanceLoss,
)
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .normalization import (
    GroupNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LocalResponseNorm, RMSNorm,
)
from .pooling import (
    AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d,
)
from .pooling import (
    AdaptiveMaxPool1d, AdaptiveMaxPool2d, LPPool1d, LPPool2d, MaxUnpool1d, MaxUnpool2d,
)
from .padding import (
    CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d, ConstantPad3d,
    ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d, ReplicationPad2d,
    ReplicationPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d,
)
from .upsampling import (
    PixelShuffle, PixelUnshuffle, Upsample, UpsamplingBilinear2d, UpsamplingNearest2d,
)
from .fold import Fold, Unfold
from .recurrent import (
    GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase,
)
from .transformer import (
    MultiheadAttention, Transformer, TransformerDecoder, TransformerDecoderLayer,
    TransformerEncoder, TransformerEncoderLayer,
)
from .activation import Softmax2d, Softmin, Threshold
from .distance import CosineSimilarity, PairwiseDistance
from .dropout import AlphaDropout, Dropout1d, Dropout2d, FeatureAlphaDropout
from .linear import Bilinear
