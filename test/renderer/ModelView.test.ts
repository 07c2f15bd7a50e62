import { afterEach, describe, expect, it } from 'vitest';
import type { DOMWrapper } from '@vue/test-utils';
import { presetSpec } from '../../src/shared/model-spec';
import { SAVE_DELAY_MS } from '../../src/renderer/src/stores/model';
import { cleanUp, mountStudio, settle, StudioDouble, type Mounted } from './harness';

let mounted: Mounted | null = null;

afterEach(() => {
  cleanUp(mounted);
  mounted = null;
});

async function openModel(studio = new StudioDouble()): Promise<Mounted> {
  mounted = await mountStudio({ studio, path: '/model' });
  return mounted;
}

const types = (m: Mounted) => m.wrapper.findAll('[data-testid="layers"] > li [data-type]').map((el) => el.attributes('data-type'));
const total = (m: Mounted) => m.wrapper.get('[data-testid="total-params"]').text();
const unitsInput = (m: Mounted, index: number) => m.wrapper.get(`[data-testid="layer-${index}"] input[data-field="units"]`) as DOMWrapper<HTMLInputElement>;
const button = (m: Mounted, name: string) => m.wrapper.get(`button[aria-label="${name}"]`);
const waitForSave = () => new Promise((resolve) => setTimeout(resolve, SAVE_DELAY_MS + 50));

describe('the Model screen', () => {
  it('starts from the seed’s MLP with every layer’s shape and parameters, and marks the preset in use', async () => {
    const m = await openModel();
    expect(types(m)).toEqual(['flatten', 'dense', 'dense', 'dense']);
    expect(total(m)).toBe('109,386');
    expect(m.wrapper.findAll('[data-testid="layer-1-output"] span').map((s) => s.text())).toEqual(['128', '100,480 params']);
    expect(m.wrapper.get('[data-testid="model-output"]').text()).toBe('10 class scores');
    expect(m.wrapper.get('[data-testid="preset-mlp"]').attributes('aria-pressed')).toBe('true');
    expect(m.wrapper.get('[data-testid="preset-cnn"]').attributes('aria-pressed')).toBe('false');
    expect(m.wrapper.get('[data-testid="model-status"]').text()).toBe('Ready to train');
    expect(m.wrapper.get('[data-testid="diagram"]').attributes('aria-label')).toBe('The network, layer by layer: Input 28×28×1 → Flatten 784 → Dense 128 → Dense 64 → Dense 10');
    // Nothing changed, nothing saved.
    await waitForSave();
    expect(m.studio?.updates()).toEqual([]);
  });

  it('adds a layer before the output layer, moves it with its buttons and its handle’s arrow keys, removes it, and says each change aloud', async () => {
    const m = await openModel();
    await m.wrapper.get('[data-testid="add-dense"]').trigger('click');
    await settle();
    expect(types(m)).toEqual(['flatten', 'dense', 'dense', 'dense', 'dense']);
    expect(total(m)).toBe('113,546');
    expect(m.wrapper.get('[data-testid="announcement"]').text()).toBe('Dense added at position 4.');
    // A preset edited is the user's own network.
    expect((m.wrapper.get('#model-name').element as HTMLInputElement).value).toBe('custom');
    expect(m.wrapper.get('[data-testid="preset-mlp"]').attributes('aria-pressed')).toBe('false');

    await unitsInput(m, 3).setValue('32');
    await settle();
    expect(total(m)).toBe('111,146');

    await button(m, 'Move layer 4 (Dense) up').trigger('click');
    await settle();
    expect(unitsInput(m, 2).element.value).toBe('32');
    expect(total(m)).toBe('107,370');
    expect(m.wrapper.get('[data-testid="announcement"]').text()).toBe('Dense moved to position 3 of 5.');

    const handle = m.wrapper.get('[data-testid="layer-2"] .handle');
    await handle.trigger('keydown', { key: 'ArrowDown' });
    await settle();
    expect(unitsInput(m, 3).element.value).toBe('32');
    // Focus stays on the moved layer's handle, so the arrow keys go on moving it.
    expect(document.activeElement?.closest('[data-testid^="layer-"]')?.getAttribute('data-testid')).toBe('layer-3');
    await m.wrapper.get('[data-testid="layer-3"] .handle').trigger('keydown', { key: 'Home' });
    await settle();
    expect(types(m)[0]).toBe('dense');
    expect(unitsInput(m, 0).element.value).toBe('32');
    // The first layer cannot go further up.
    expect(button(m, 'Move layer 1 (Dense) up').attributes('disabled')).toBeDefined();

    await button(m, 'Remove layer 1 (Dense)').trigger('click');
    await settle();
    expect(types(m)).toEqual(['flatten', 'dense', 'dense', 'dense']);
    expect(total(m)).toBe('109,386');
    expect(m.wrapper.get('[data-testid="announcement"]').text()).toBe('Layer 1 (Dense) removed.');
    // Back to the preset's layers: it is the preset again.
    expect(m.wrapper.get('[data-testid="preset-mlp"]').attributes('aria-pressed')).toBe('true');
  });

  it('says what is wrong beside the field at fault, in the user’s language, and links the field to the message', async () => {
    const m = await openModel();
    await unitsInput(m, 1).setValue('0');
    await settle();
    const messages = m.wrapper.get('[data-testid="layer-1-messages"]');
    expect(messages.text()).toBe('Units: enter a whole number from 1 to 4,096.');
    expect(unitsInput(m, 1).attributes('aria-invalid')).toBe('true');
    expect(unitsInput(m, 1).attributes('aria-describedby')).toBe(messages.attributes('id'));
    expect(m.wrapper.get('[data-testid="model-status"]').text()).toBe('Problems to fix before training: 1');
    expect(total(m)).toBe('—');
    // The text typed stays as typed, even when it is not a number.
    await unitsInput(m, 1).setValue('12a');
    await settle();
    expect(unitsInput(m, 1).element.value).toBe('12a');
    expect(m.wrapper.get('[data-testid="layer-1-messages"]').text()).toBe('Units: enter a whole number from 1 to 4,096.');

    await unitsInput(m, 1).setValue('128');
    await unitsInput(m, 3).setValue('12');
    await settle();
    expect(m.wrapper.get('[data-testid="layer-3-messages"]').text()).toBe('The network must end in the 10 class scores (a dense layer with 10 units), but it outputs 12.');
    expect(unitsInput(m, 3).attributes('aria-invalid')).toBe('true');

    await m.wrapper.get('[data-testid="layer-3"] select').setValue('dropout');
    await settle();
    expect(m.wrapper.get('[data-testid="layer-3-messages"]').text()).toBe('The network must end in the 10 class scores (a dense layer with 10 units), but it outputs 64.');
    // Switching back keeps what was typed for that type.
    await m.wrapper.get('[data-testid="layer-3"] select').setValue('dense');
    await settle();
    expect(unitsInput(m, 3).element.value).toBe('12');

    await m.studio!.client.settings.update({ language: 'zh-CN' });
    await settle();
    expect(m.wrapper.get('[data-testid="layer-3-messages"]').text()).toBe('网络最后必须输出 10 个类别得分（一个 10 个神经元的全连接层），但现在输出的是 12。');
    await button(m, '删除第 1 层（展平层）').trigger('click');
    await settle();
    expect(m.wrapper.get('[data-testid="layer-0-messages"]').text()).toBe('全连接层需要展平的输入，但这一层得到的是 28×28×1。请在它前面加一个展平层。');
  });

  it('loads a preset, keeps the valid network in the settings, and starts from it next time', async () => {
    const m = await openModel();
    await m.wrapper.get('[data-testid="preset-cnn"]').trigger('click');
    await settle();
    expect(total(m)).toBe('61,706');
    expect(types(m)).toEqual(['conv2d', 'maxPooling2d', 'conv2d', 'maxPooling2d', 'flatten', 'dense', 'dense', 'dense']);
    expect(m.wrapper.get('[data-testid="announcement"]').text()).toBe('LeNet-style CNN loaded.');
    await waitForSave();
    expect(m.studio?.settings.lastModelSpec).toEqual(presetSpec('cnn'));

    // An invalid draft is not saved over the last valid one.
    await m.wrapper.get('[data-testid="layer-0"] input[data-field="filters"]').setValue('');
    await settle();
    await waitForSave();
    expect(m.studio?.settings.lastModelSpec).toEqual(presetSpec('cnn'));

    const next = new StudioDouble({ lastModelSpec: presetSpec('cnn') });
    cleanUp(mounted);
    const again = await openModel(next);
    expect(total(again)).toBe('61,706');
    expect(again.wrapper.get('[data-testid="preset-cnn"]').attributes('aria-pressed')).toBe('true');
  });

  it('falls back to the seed’s MLP when the stored network no longer fits the schema', async () => {
    const m = await openModel(new StudioDouble({ lastModelSpec: { layers: [{ type: 'lstm', units: 3 }] } }));
    expect(total(m)).toBe('109,386');
  });

  it('keeps between 1 and 32 layers', async () => {
    const m = await openModel(new StudioDouble({ lastModelSpec: { name: 'one', layers: [{ type: 'flatten' }, { type: 'dense', units: 10 }] } }));
    await button(m, 'Remove layer 1 (Flatten)').trigger('click');
    await settle();
    expect(button(m, 'Remove layer 1 (Dense)').attributes('disabled')).toBeDefined();
    for (let i = 0; i < 31; i++) await m.wrapper.get('[data-testid="add-dropout"]').trigger('click');
    await settle();
    expect(types(m)).toHaveLength(32);
    expect(m.wrapper.get('[data-testid="add-dense"]').attributes('disabled')).toBeDefined();
    expect(m.wrapper.text()).toContain('A network holds at most 32 layers.');
  });
});
