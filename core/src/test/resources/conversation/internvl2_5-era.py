"""
Own minimal fixture in the layout of the conversation.py shipped with InternVL2 / InternVL2.5 / InternVL3
checkpoints (not the published file): a dataclass whose system_message defaults to '', f-strings in methods, then
module-level register_conv_template(Conversation(...)) calls, where three templates keep a commented-out
system_message line above the active one.
"""

import dataclasses
from enum import IntEnum, auto
from typing import Dict, List, Tuple


class SeparatorStyle(IntEnum):
    """Separator styles."""

    CHATGLM = auto()
    MPT = auto()


@dataclasses.dataclass
class Conversation:
    """Fixture class: "system_message" below is a field; '#' in a string is no comment."""

    # looked up by config.json's "template"
    name: str
    # where the message goes
    system_template: str = '{system_message}'
    # the field default, used by templates that set none
    system_message: str = ''
    roles: Tuple[str] = ('USER', 'ASSISTANT')
    messages: List[List[str]] = ()
    sep_style: SeparatorStyle = SeparatorStyle.MPT
    sep: str = '\n'
    stop_str: str = None

    def get_prompt(self) -> str:
        system_prompt = self.system_template.format(system_message=self.system_message)
        if self.sep_style == SeparatorStyle.CHATGLM:
            ret = system_prompt
            for i, (role, message) in enumerate(self.messages):
                if i % 2 == 0:
                    ret += f'[Round {i//2}]{self.sep}'
                ret += f'{role}：{message}{self.sep}' if message else f'{role}：'
            return ret
        ret = system_prompt + self.sep
        for role, message in self.messages:
            ret += role + (message + self.sep if message else '')
        return ret

    def with_message(self, system_message: str):
        """Fixture helper: a parameter of the same name is no field."""
        self.system_message = system_message

    def copy(self):
        return Conversation(
            name=self.name,
            system_template=self.system_template,
            system_message=self.system_message,
            roles=self.roles,
            messages=[[x, y] for x, y in self.messages],
            sep_style=self.sep_style,
            sep=self.sep,
            stop_str=self.stop_str,
        )


conv_templates: Dict[str, Conversation] = {}


def register_conv_template(template: Conversation, override: bool = False):
    """Fixture registry: a second registration needs override=True."""
    if not override:
        assert (
            template.name not in conv_templates
        ), f'{template.name} has been registered.'

    conv_templates[template.name] = template


def get_conv_template(name: str) -> Conversation:
    """A copy, as chat() takes it."""
    return conv_templates[name].copy()


# a template without a system_message: the field default applies
register_conv_template(
    Conversation(
        name='internvl_zh',
        system_template='',
        roles=('<human>', '<bot>'),
        sep_style=SeparatorStyle.CHATGLM,
        sep='</s>',
    )
)


# ChatML layout (Hermes-2, internlm2-chat); the line commented out below is not the message
register_conv_template(
    Conversation(
        name='Hermes-2',
        system_template='<|im_start|>system\n{system_message}',
        # (fixture) older message kept for benchmark comparability; the newer one stays commented out:
        # system_message='我是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。',
        system_message='你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。',
        roles=('<|im_start|>user\n', '<|im_start|>assistant\n'),
        sep_style=SeparatorStyle.MPT,
        sep='<|im_end|>',
        stop_str='<|endoftext|>',
    )
)


register_conv_template(
    Conversation(
        name='internlm2-chat',
        system_template='<|im_start|>system\n{system_message}',
        # (fixture) older message kept for benchmark comparability; the newer one stays commented out:
        # system_message='我是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。',
        system_message='你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。',
        roles=('<|im_start|>user\n', '<|im_start|>assistant\n'),
        sep_style=SeparatorStyle.MPT,
        sep='<|im_end|>',
    )
)


register_conv_template(
    Conversation(
        name='phi3-chat',
        system_template='<|system|>\n{system_message}',
        # (fixture) older message kept for benchmark comparability; the newer one stays commented out:
        # system_message='我是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。',
        system_message='你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。',
        roles=('<|user|>\n', '<|assistant|>\n'),
        sep_style=SeparatorStyle.MPT,
        sep='<|end|>',
    )
)


register_conv_template(
    Conversation(
        name='internvl2_5',
        system_template='<|im_start|>system\n{system_message}',
        system_message='你是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。',
        roles=('<|im_start|>user\n', '<|im_start|>assistant\n'),
        sep_style=SeparatorStyle.MPT,
        sep='<|im_end|>\n',
    )
)
