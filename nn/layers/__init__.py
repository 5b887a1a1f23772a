"""The layer modules, one file per family."""

from .activation import (
    ELU, SELU, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, PReLU, ReLU, ReLU6, Sigmoid, SiLU,
    Softmax, Softplus, Softsign, Tanh,
)
from .container import ModuleDict, ModuleList, ParameterList, Sequential
from .conv import Conv1d, Conv2d
from .conv import Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear
from .loss import (
    BCELoss, BCEWithLogitsLoss, ContrastiveLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,
    MSELoss, MultiMarginLoss, NLLLoss, SmoothL1Loss,
)
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .pooling import (
    AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d,
)
from .recurrent import (
    GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase,
)
from .transformer import (
    MultiheadAttention, Transformer, TransformerDecoder, TransformerDecoderLayer,
    TransformerEncoder, TransformerEncoderLayer,
)
