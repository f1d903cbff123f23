"""
Own minimal fixture in the layout of the conversation.py shipped with InternVL-Chat-V1-5 era checkpoints (not the
published file): V1.5 system messages, stop_token_ids lists with trailing comments, literals joined across lines,
triple-quoted templates, and a __main__ block.
"""

import dataclasses
from enum import IntEnum, auto
from typing import Any, Dict, List, Tuple, Union


class SeparatorStyle(IntEnum):
    ADD_COLON_SINGLE = auto()
    CHATML = auto()
    CHATGLM = auto()
    MPT = auto()


@dataclasses.dataclass
class Conversation:
    """Fixture class of the V1.5 layout."""

    name: str
    system_template: str = '{system_message}'
    system_message: str = ''
    roles: Tuple[str] = ('USER', 'ASSISTANT')
    messages: List[List[str]] = ()
    offset: int = 0
    sep_style: SeparatorStyle = SeparatorStyle.ADD_COLON_SINGLE
    sep: str = '\n'
    sep2: str = None
    stop_str: Union[str, List[str]] = None
    stop_token_ids: List[int] = None

    def get_prompt(self) -> str:
        system_prompt = self.system_template.format(system_message=self.system_message)
        if self.sep_style == SeparatorStyle.CHATGLM:
            round_add_n = 1 if self.name == 'no-message' else 0
            ret = system_prompt + self.sep if system_prompt else ''
            for i, (role, message) in enumerate(self.messages):
                if i % 2 == 0:
                    ret += f'[Round {i//2 + round_add_n}]{self.sep}'
                ret += f'{role}：{message}{self.sep}' if message else f'{role}：'
            return ret
        elif self.sep_style == SeparatorStyle.MPT:
            ret = system_prompt + self.sep
            for role, message in self.messages:
                ret += role + message + self.sep if message else role
            return ret
        raise ValueError(f'Invalid style: {self.sep_style}')


conv_templates: Dict[str, Conversation] = {}


def register_conv_template(template: Conversation, override: bool = False):
    """Fixture registry."""
    if not override:
        assert (
            template.name not in conv_templates
        ), f'{template.name} has been registered.'
    conv_templates[template.name] = template


# a message of two literals on two lines, joined without a +
register_conv_template(
    Conversation(
        name='two-lines',
        system_message='First half of a fixture message, '
        "second half with the user's apostrophe.",
        roles=('USER', 'ASSISTANT'),
        sep=' ',
        sep2='</s>',
    )
)

# no system_message: the field default
register_conv_template(
    Conversation(
        name='no-message',
        roles=('问', '答'),
        sep_style=SeparatorStyle.CHATGLM,
        sep='\n\n',
    )
)

# triple quotes across lines
register_conv_template(
    Conversation(
        name='triple',
        system_template="""<|im_start|>system
{system_message}""",
        system_message="""- Line one of a fixture message.
- Line two, with 'single' and "double" quotes.""",
        roles=('<|im_start|>user', '<|im_start|>assistant'),
        sep_style=SeparatorStyle.CHATML,
        sep='<|im_end|>',
        stop_token_ids=[50278, 0],
    )
)


register_conv_template(
    Conversation(
        name='Hermes-2',
        system_template='<|im_start|>system\n{system_message}',
        system_message='Answer the questions.',
        roles=('<|im_start|>user\n', '<|im_start|>assistant\n'),
        sep_style=SeparatorStyle.MPT,
        sep='<|im_end|>',
        stop_token_ids=[
            2,
            6,
            7,
            8,
        ],  # "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|im_sep|>"
        stop_str='<|endoftext|>',
    )
)


register_conv_template(
    Conversation(
        name='internlm2-chat',
        system_template='<|im_start|>system\n{system_message}',
        system_message='You are an AI assistant whose name is InternLM (书生·浦语).',
        roles=('<|im_start|>user\n', '<|im_start|>assistant\n'),
        sep_style=SeparatorStyle.MPT,
        sep='<|im_end|>',
        stop_token_ids=[
            2,
            92543,
            92542
        ]
    )
)


register_conv_template(
    Conversation(
        name='phi3-chat',
        system_template='<|system|>\n{system_message}',
        system_message='You are an AI assistant whose name is Phi-3.',
        roles=('<|user|>\n', '<|assistant|>\n'),
        sep_style=SeparatorStyle.MPT,
        sep='<|end|>',
        stop_token_ids=[
            2,
            32000,
            32007
        ]
    )
)

# a parenthesised message over several lines, non-ASCII text
register_conv_template(
    Conversation(
        name='grouped',
        system_template='### System:\n{system_message}\n\n',
        system_message=(
            'Un message de test réparti sur deux littéraux, avec des accents'
            ' et une fin à la ligne suivante.'
        ),
        roles=('### Instruction', '### Response'),
        sep='\n\n',
        sep2='</s>',
    )
)


# other argument forms of the shipped files; see https://example.invalid/page#L10-L20 (a '#' in a comment)
register_conv_template(
    # a comment between the two calls
    Conversation(
        name='other-forms',
        roles=('问：', '答：\n'),
        messages=(
            ('Human', """A multi-line
example with 'quotes' and a # sign."""),
        ),
        offset=1,
        sep_style=None,
        sep=None,
        stop_str=['###', '</s>', '[UNK]'],
        stop_token_ids=[0, 2],  # "<unk>", "</s>"
        system_message="A message after the other arguments: \"quoted\", {braces} and a tab\t.",
    )
)


if __name__ == '__main__':
    conv = conv_templates['two-lines']
    print(conv.get_prompt())
